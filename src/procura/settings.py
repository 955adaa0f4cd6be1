"""Django settings for Procura, read from the environment (see README, "Configuration")."""

from __future__ import annotations

import base64
import os
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("PROCURA_VAR_DIR", Path.cwd() / "var")).resolve()
TESTING = "pytest" in sys.modules or os.environ.get("PROCURA_TESTING") == "1"


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


# --- Mode -------------------------------------------------------------------------------------
PRODUCTION = os.environ.get("PROCURA_ENV", "development") == "production"
if os.environ.get("PROCURA_ENV", "development") not in {"development", "production"}:
    raise ImproperlyConfigured("PROCURA_ENV must be 'development' or 'production'")
DEBUG = _flag("PROCURA_DEBUG", default=False)


def _development_secret_key() -> str:
    """A key generated once and kept under var/, so sessions survive restarts in development."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("PROCURA_SECRET_KEY") or ""
if not SECRET_KEY and not PRODUCTION:
    SECRET_KEY = "insecure-test-key" if TESTING else _development_secret_key()


# --- Sealed bids and receipts ---------------------------------------------------------------
# The platform key wraps each tender's data key (AES-256-GCM); a key-management service can take
# its place through PROCURA_KEY_MANAGER (a dotted path to a `procura.bids.sealing.KeyManager`).
# The receipt key (an Ed25519 private key) signs every bid receipt. Both are 32 random bytes,
# base64url-encoded; in development each is generated once under var/, in tests fixed.
def _development_key(name: str) -> str:
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        path.chmod(0o600)
    return path.read_text().strip()


KEY_MANAGER = os.environ.get("PROCURA_KEY_MANAGER", "procura.bids.sealing.SettingsKeyManager")
SEALING_KEY = os.environ.get("PROCURA_SEALING_KEY") or ""
RECEIPT_SIGNING_KEY = os.environ.get("PROCURA_RECEIPT_SIGNING_KEY") or ""
if not PRODUCTION:
    if TESTING:
        SEALING_KEY = SEALING_KEY or base64.urlsafe_b64encode(bytes(range(32))).decode()
        RECEIPT_SIGNING_KEY = RECEIPT_SIGNING_KEY or base64.urlsafe_b64encode(bytes(range(32, 64))).decode()
    else:
        SEALING_KEY = SEALING_KEY or _development_key("sealing_key")
        RECEIPT_SIGNING_KEY = RECEIPT_SIGNING_KEY or _development_key("receipt_signing_key")


# --- Platform incidents: deadlines within an outage or INCIDENT_GRACE_HOURS after it are extended
# by the outage's length, at least INCIDENT_MINIMUM_EXTENSION_HOURS (see procura/incidents/domain.py).
def _hours(
    name: str,
    default: str,
    *,
    minimum_exclusive: float | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    raw = os.environ.get(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None
    if (
        (minimum is not None and value < minimum)
        or (minimum_exclusive is not None and value <= minimum_exclusive)
        or (maximum is not None and value > maximum)
    ):
        raise ImproperlyConfigured(f"{name} is out of range: {raw!r}")
    return value


INCIDENT_GRACE_HOURS = _hours("PROCURA_INCIDENT_GRACE_HOURS", "2", minimum=0)
INCIDENT_MINIMUM_EXTENSION_HOURS = _hours("PROCURA_INCIDENT_MINIMUM_EXTENSION_HOURS", "2", minimum_exclusive=0)

# --- Evaluation, award and contracts (see procura/evaluation and procura/contracts).
# Standstill after an award decision, in calendar days; no contract is signed before it ends.
STANDSTILL_DAYS = _hours("PROCURA_STANDSTILL_DAYS", "10", minimum=0)
# A price below this share of the lot's median price, or of its estimate, is abnormally low.
ABNORMALLY_LOW_SHARE = _hours("PROCURA_ABNORMALLY_LOW_SHARE", "0.7", minimum_exclusive=0, maximum=1)
# Contract amendments whose cumulative change of value exceeds this share of the original
# value are flagged publicly.
CONTRACT_AMENDMENT_FLAG_SHARE = _hours("PROCURA_CONTRACT_AMENDMENT_FLAG_SHARE", "0.1", minimum_exclusive=0)

BASE_URL = os.environ.get("PROCURA_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(BASE_URL)
if _base.scheme not in {"http", "https"} or not _base.hostname:
    raise ImproperlyConfigured(f"PROCURA_BASE_URL must be an http(s) URL, not {BASE_URL!r}")
ALLOWED_HOSTS = [h for h in os.environ.get("PROCURA_ALLOWED_HOSTS", "").split(",") if h] or [_base.hostname]
if not PRODUCTION:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

OCID_PREFIX = os.environ.get("PROCURA_OCID_PREFIX", "prcdev")
# The jurisdiction's procedure rulebook (JSON); empty: Procura's default rules.
PROCEDURE_RULES_FILE = os.environ.get("PROCURA_PROCEDURE_RULES", "")

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'procura.sqlite3'}"
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=0 if TESTING else 60)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not usable: {exc}") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    if _database["NAME"] != ":memory:":
        Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN, so concurrent writers queue on the busy timeout instead of failing mid-way.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database.setdefault("OPTIONS", {})
else:
    raise ImproperlyConfigured("DATABASE_URL must name an SQLite or PostgreSQL database")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Production guard -------------------------------------------------------------------------
if PRODUCTION:
    problems = []
    if DEBUG:
        problems.append("PROCURA_DEBUG is on")
    if not SECRET_KEY:
        problems.append("PROCURA_SECRET_KEY is not set")
    elif len(SECRET_KEY) < 40:
        problems.append("PROCURA_SECRET_KEY is shorter than 40 characters")
    if not SEALING_KEY and KEY_MANAGER.endswith(".SettingsKeyManager"):
        problems.append("PROCURA_SEALING_KEY is not set")
    if not RECEIPT_SIGNING_KEY:
        problems.append("PROCURA_RECEIPT_SIGNING_KEY is not set")
    if _database["ENGINE"] == "django.db.backends.sqlite3":
        problems.append("DATABASE_URL points at SQLite; production needs PostgreSQL")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production mode: " + "; ".join(problems))

# --- Applications -----------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "procura.web.apps.PlatformAdminConfig",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",
    "huey.contrib.djhuey",
    "procura.core",
    "procura.audit",
    "procura.accounts",
    "procura.classifications",
    "procura.documents",
    "procura.planning",
    "procura.suppliers",
    "procura.tenders",
    "procura.bids",
    "procura.alerts",
    "procura.incidents",
    "procura.evaluation",
    "procura.contracts",
    "procura.publication",
    "procura.web",
]

MIDDLEWARE = [
    "procura.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "procura.core.idempotency.IdempotencyMiddleware",
    "procura.accounts.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "procura.urls"
CSRF_FAILURE_VIEW = "procura.web.views.csrf_failure"
WSGI_APPLICATION = "procura.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "procura.web.context_processors.layout",
            ],
        },
    }
]

# --- Accounts and authentication --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "procura.accounts.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests check behaviour, not hashing cost.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "web:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3
INVITATION_LIFETIME_DAYS = int(os.environ.get("PROCURA_INVITATION_LIFETIME_DAYS", "7"))
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3
OTP_TOTP_ISSUER = os.environ.get("PROCURA_OTP_ISSUER", "Procura")

# Login throttling (django-axes): lock an email address from one client after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("PROCURA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "procura.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

# --- Security headers -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
_https = _base.scheme == "https"
SESSION_COOKIE_SECURE = PRODUCTION or _https
CSRF_COOKIE_SECURE = PRODUCTION or _https
LANGUAGE_COOKIE_SECURE = PRODUCTION or _https
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_HSTS_SECONDS = int(os.environ.get("PROCURA_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = _flag("PROCURA_SSL_REDIRECT", default=True)
    if _flag("PROCURA_BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
    }
}

# --- Languages and formats --------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("PROCURA_TIME_ZONE", "UTC")

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = None if TESTING else VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests never write uploads into the working tree: each test process gets its own folder.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="procura-test-media-")) if TESTING else VAR_DIR / "media"

# --- Documents --------------------------------------------------------------------------------
# Uploaded documents live in the "default" storage above (MEDIA_ROOT in development; an
# S3-compatible store through django-storages in production). See procura/documents/.
DOCUMENTS = {
    # File types accepted, by extension; each is also checked against its content.
    "allowed_extensions": ["pdf", "odt", "ods", "docx", "xlsx", "csv", "txt", "png", "jpg", "jpeg", "zip"],
    # Largest file of each kind, in bytes.
    "max_sizes": {
        "pdf": 50 * 1024 * 1024,
        "image": 10 * 1024 * 1024,  # PNG, JPEG
        "text": 10 * 1024 * 1024,  # CSV, TXT
        "office": 25 * 1024 * 1024,  # DOCX, XLSX, ODT, ODS
        "zip": 100 * 1024 * 1024,
    },
    # Malware scanning: clamd at "host:port" or a Unix socket path; empty means no scanner, and
    # files are stored as "unscanned" (served). clamd's StreamMaxLength must allow the largest size.
    "clamd_address": os.environ.get("PROCURA_CLAMD_ADDRESS", ""),
    "clamd_timeout": float(os.environ.get("PROCURA_CLAMD_TIMEOUT", "30")),
    # Or a dotted path to another Scanner class (procura.documents.scanning.Scanner).
    "scanner": os.environ.get("PROCURA_DOCUMENT_SCANNER", ""),
}

# --- Email ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "PROCURA_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("PROCURA_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("PROCURA_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("PROCURA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("PROCURA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _flag("PROCURA_EMAIL_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("PROCURA_EMAIL_FROM", "Procura <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Cache and jobs ---------------------------------------------------------------------------
REDIS_URL = os.environ.get("PROCURA_REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY: dict[str, object] = {"huey_class": "huey.RedisHuey", "name": "procura", "url": REDIS_URL}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "procura",
        "filename": str(VAR_DIR / "jobs.sqlite3"),
    }
    if not TESTING:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
if STATIC_ROOT is not None:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
HUEY["immediate"] = TESTING
if TESTING:
    HUEY.pop("filename", None)
    HUEY["huey_class"] = "huey.MemoryHuey"

# --- Logging ----------------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("PROCURA_LOG_LEVEL", "WARNING" if TESTING else "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "procura.core.logs.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "huey": {"level": "WARNING" if TESTING else "INFO"},
    },
}

# --- The platform operator and its jurisdiction -----------------------------------------------
COUNTRY_CODE = os.environ.get("PROCURA_COUNTRY", "GB")
PLATFORM_NAME = os.environ.get("PROCURA_PLATFORM_NAME", "Procura platform operator")
# "<org-id scheme>:<number>" of the operator, e.g. "GB-GOR:PB1234"
PLATFORM_IDENTIFIER = os.environ.get("PROCURA_PLATFORM_IDENTIFIER", "XX-PROCURA:platform")

# --- Open data (OCDS) -------------------------------------------------------------------------
# Who publishes, under which licence and policy: written into every package.
PROCURA_PUBLISHER_NAME = os.environ.get("PROCURA_PUBLISHER_NAME", "")  # empty: PLATFORM_NAME
PROCURA_OPEN_DATA_LICENCE = os.environ.get(
    "PROCURA_OPEN_DATA_LICENCE", "https://opendatacommons.org/licenses/pddl/1-0/"
)
PROCURA_PUBLICATION_POLICY_URL = os.environ.get(
    "PROCURA_PUBLICATION_POLICY_URL", f"{BASE_URL}/open-data/#publication-policy"
)
# Where the bulk files are written (empty: MEDIA_ROOT/opendata).
PROCURA_BULK_DIR = os.environ.get("PROCURA_BULK_DIR", "")
# Requests per client address to /api/ocds/ ("N/second", "N/minute" or "N/hour").
PROCURA_OCDS_RATE_LIMIT = os.environ.get("PROCURA_OCDS_RATE_LIMIT", "600/minute")
