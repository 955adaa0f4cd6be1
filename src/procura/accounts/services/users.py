"""User accounts: registration, email verification, passwords, sign-in records."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from procura.accounts.models import User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock
from procura.core.errors import InvalidInput

_VERIFY_SALT = "procura.accounts.email-verification"


def clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput.for_field("email", _("Enter a valid email address.")) from None
    return email


def check_password_strength(password: str, *, user: User | None = None) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidInput(_("Choose a stronger password."), fields={"password": list(exc.messages)}) from None


def _check_name(full_name: str) -> str:
    full_name = (full_name or "").strip()
    if not full_name:
        raise InvalidInput.for_field("full_name", _("Enter your full name."))
    if len(full_name) > 200:
        raise InvalidInput.for_field("full_name", _("Your name can be at most 200 characters long."))
    return full_name


def user_register(
    *,
    email: str,
    password: str,
    full_name: str,
    language: str = "",
    email_verified: bool = False,
    send_verification: bool = True,
) -> User:
    """Create a user account. The email must verify before the account can do business."""
    email = clean_email(email)
    full_name = _check_name(full_name)
    candidate = User(email=email, full_name=full_name)
    check_password_strength(password, user=candidate)
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise InvalidInput.for_field("email", _("An account with this email address already exists."))
        user = User.objects.create_user(
            email,
            password,
            full_name=full_name,
            language=language,
            email_verified_at=clock.now() if email_verified else None,
        )
        audit_record(
            action=AuditAction.USER_REGISTERED,
            actor=user,
            object_type="user",
            object_id=user.pk,
            after={"email": user.email, "full_name": user.full_name},
        )
        if send_verification and not email_verified:
            transaction.on_commit(lambda: email_verification_send(user=user))
    return user


def email_verification_token(user: User) -> str:
    return signing.dumps({"user": str(user.pk), "email": user.email}, salt=_VERIFY_SALT)


def email_verification_send(*, user: User) -> None:
    link = settings.BASE_URL + reverse("accounts:verify-email", args=[email_verification_token(user)])
    send_mail(
        _("Confirm your email address for Procura"),
        _(
            "Hello %(name)s,\n\nConfirm your email address by opening this link:\n%(link)s\n\n"
            "If you did not create a Procura account, ignore this message."
        )
        % {"name": user.full_name, "link": link},
        None,
        [user.email],
    )


def email_verify(*, token: str) -> User:
    """Mark an email address verified. Idempotent: a second use of the link changes nothing."""
    try:
        data = signing.loads(token, salt=_VERIFY_SALT, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput.for_field("token", _("This confirmation link has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise InvalidInput.for_field("token", _("This confirmation link is not valid.")) from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=data.get("user"), email=data.get("email")).first()
        if user is None:
            raise InvalidInput.for_field("token", _("This confirmation link is not valid."))
        if user.email_verified_at is None:
            user.email_verified_at = clock.now()
            user.save(update_fields=["email_verified_at"])
            audit_record(
                action=AuditAction.USER_EMAIL_VERIFIED,
                actor=user,
                object_type="user",
                object_id=user.pk,
                after={"email": user.email},
            )
    return user


def user_password_set(*, user: User, password: str, reason: str) -> User:
    """Set a new password (reset by email or change while signed in)."""
    check_password_strength(password, user=user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            action=AuditAction.USER_PASSWORD_CHANGED,
            actor=user,
            object_type="user",
            object_id=user.pk,
            after={"reason": reason},
        )
    return user


def user_profile_update(*, user: User, full_name: str, language: str) -> User:
    full_name = _check_name(full_name)
    if language and language not in dict(settings.LANGUAGES):
        raise InvalidInput.for_field("language", _("Choose one of the languages offered."))
    with transaction.atomic():
        before = {"full_name": user.full_name, "language": user.language}
        user.full_name = full_name
        user.language = language
        user.save(update_fields=["full_name", "language"])
        audit_record(
            action=AuditAction.USER_PROFILE_UPDATED,
            actor=user,
            object_type="user",
            object_id=user.pk,
            before=before,
            after={"full_name": full_name, "language": language},
        )
    return user


def user_signed_in(*, user: User, two_factor: bool) -> None:
    with transaction.atomic():
        audit_record(
            action=AuditAction.USER_SIGNED_IN,
            actor=user,
            object_type="user",
            object_id=user.pk,
            after={"two_factor": two_factor},
        )


def user_signed_out(*, user: User) -> None:
    with transaction.atomic():
        audit_record(action=AuditAction.USER_SIGNED_OUT, actor=user, object_type="user", object_id=user.pk)
