"""The `procura` command: help for each command, clear errors, production guard, demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from procura.accounts.models import Membership, Organisation, User
from procura.audit.selectors import verify_chain
from procura.cli import build_parser, main
from procura.demo import DEMO_PASSWORD, USERS

PROCURA = str(Path(sys.executable).with_name("procura"))


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # A fresh configuration, but the OCDS reference folder stays where the run found it.
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PROCURA_", "DATABASE_URL")) or k == "PROCURA_OCDS_DIR"
    }
    environment.update({"PROCURA_VAR_DIR": str(tmp_path), **env})
    return subprocess.run([PROCURA, *args], capture_output=True, text=True, env=environment, timeout=120, check=False)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["worker"],
        ["migrate"],
        ["demo"],
        ["createadmin"],
        ["audit"],
        ["audit", "verify"],
        ["ocds"],
        ["ocds", "compile"],
        ["ocds", "validate"],
        ["ocds", "export"],
        ["ocds", "import"],
    ],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: procura" in capsys.readouterr().out


def test_without_the_ocds_reference_data_the_demo_says_what_to_set(tmp_path: Path) -> None:
    assert _run(["migrate", "--verbosity", "0"], tmp_path).returncode == 0
    result = _run(["demo"], tmp_path, PROCURA_OCDS_DIR=str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr.startswith("procura: error: PROCURA_OCDS_DIR=")
    assert "Traceback" not in result.stderr


def test_bad_arguments_name_the_problem(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", "99999"])
    assert exit_info.value.code == 2
    assert "argument --port: a port is between 1 and 65535" in capsys.readouterr().err


def test_production_mode_refuses_debug_missing_secret_and_sqlite(tmp_path: Path) -> None:
    result = _run(["migrate"], tmp_path, PROCURA_ENV="production", PROCURA_DEBUG="1")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "procura: error: Refusing to start in production mode: PROCURA_DEBUG is on; "
        "PROCURA_SECRET_KEY is not set; PROCURA_SEALING_KEY is not set; PROCURA_RECEIPT_SIGNING_KEY is not set; "
        "DATABASE_URL points at SQLite; production needs PostgreSQL"
    )
    assert "Traceback" not in result.stderr


def test_a_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    result = _run(["migrate"], tmp_path, DATABASE_URL="mysql://nowhere/db")
    assert result.returncode == 2
    assert "DATABASE_URL must name an SQLite or PostgreSQL database" in result.stderr
    assert "Traceback" not in result.stderr


def test_development_mode_generates_and_keeps_a_secret_key(tmp_path: Path) -> None:
    assert _run(["audit", "verify"], tmp_path).returncode in {0, 1}
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    _run(["audit", "verify"], tmp_path)
    assert key_file.read_text() == first
    assert len(first) >= 50
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_migrate_then_demo_from_nothing_and_again(tmp_path: Path) -> None:
    assert _run(["migrate", "--verbosity", "0"], tmp_path).returncode == 0
    first = _run(["demo"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert DEMO_PASSWORD in first.stdout
    again = _run(["demo"], tmp_path)
    assert again.returncode == 0
    verify = _run(["audit", "verify"], tmp_path)
    assert verify.returncode == 0
    count = int(verify.stdout.split(":")[1].split()[0])
    assert count > len(USERS)
    # running the demo twice added nothing
    assert _run(["audit", "verify"], tmp_path).stdout == verify.stdout


@pytest.mark.django_db
def test_demo_loads_every_role_and_is_idempotent() -> None:
    from procura import demo

    demo.load()
    counts = (User.objects.count(), Organisation.objects.count(), Membership.objects.count())
    demo.load()
    assert (User.objects.count(), Organisation.objects.count(), Membership.objects.count()) == counts
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {
        "procurement_officer",
        "approver",
        "evaluator",
        "bid_manager",
        "viewer",
        "administrator",
        "auditor",
        "review_body",
    }
    scales = set(Organisation.objects.filter(kind="supplier").values_list("scale", flat=True))
    assert scales == {"micro", "small", "medium", "large"}
    assert verify_chain().ok


@pytest.mark.django_db
def test_demo_code_for_a_non_demo_user_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--code-for", "someone@real.org"]) == 1
    assert "is not a demo user" in capsys.readouterr().err


@pytest.mark.django_db
def test_createadmin_creates_a_platform_administrator(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["createadmin", "--email", "root@platform.example", "--name", "Root", "--password", "a long passphrase 42"]
        )
        == 0
    )
    user = User.objects.get(email="root@platform.example")
    assert Membership.objects.filter(user=user, role="administrator", organisation__kind="oversight").exists()


@pytest.mark.django_db
def test_createadmin_with_a_weak_password_names_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["createadmin", "--email", "root@platform.example", "--name", "Root", "--password", "123"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("procura: error: Choose a stronger password. (password: ")
    assert not User.objects.filter(email="root@platform.example").exists()


def test_production_mode_with_a_valid_configuration_turns_on_https_protections(tmp_path: Path) -> None:
    # A fresh configuration, but the OCDS reference folder stays where the run found it.
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PROCURA_", "DATABASE_URL")) or k == "PROCURA_OCDS_DIR"
    }
    environment.update(
        {
            "PROCURA_VAR_DIR": str(tmp_path),
            "PROCURA_ENV": "production",
            "PROCURA_SECRET_KEY": "x" * 50,
            "PROCURA_SEALING_KEY": "A" * 43,
            "PROCURA_RECEIPT_SIGNING_KEY": "B" * 43,
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
            "PROCURA_BASE_URL": "https://procura.example.gov",
            "DJANGO_SETTINGS_MODULE": "procura.settings",
        }
    )
    script = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.ALLOWED_HOSTS, s.EMAIL_BACKEND)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False 31536000 True True True True ['procura.example.gov'] django.core.mail.backends.smtp.EmailBackend"
    )
