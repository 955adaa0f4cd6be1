"""Two-factor authentication with time-based one-time passwords (django-otp TOTP devices)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts.models import User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core.errors import InvalidInput


def totp_device_start(*, user: User, key: str | None = None) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for the user to scan; replaces any unconfirmed one.
    `key` (40 hex digits) is for demo data only; otherwise a random key is made."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        extra = {"key": key} if key else {}
        return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False, **extra)


def totp_current_code(device: TOTPDevice) -> str:
    """The code the device shows now (for demo users and tests; never exposed on a page)."""
    return str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(device.digits)


def totp_device_confirm(*, user: User, device: TOTPDevice, code: str) -> TOTPDevice:
    """Confirm the authenticator by a code it shows; from then on sign-in asks for a code."""
    code = (code or "").strip().replace(" ", "")
    if device.user_id != user.pk:
        raise InvalidInput.for_field("code", _("Start setting up two-factor authentication again."))
    if not code.isdigit() or len(code) != device.digits:
        raise InvalidInput.for_field("code", _("Enter the 6-digit code your authenticator app shows."))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _reason = device.verify_is_allowed()
        # verify_token records a failure on the device (django-otp's throttling); that record
        # must commit, so a wrong code returns from the transaction before it is refused.
        accepted = bool(allowed) and device.verify_token(code)
        if accepted:
            device.confirmed = True
            device.save()
            audit_record(
                action=AuditAction.USER_TWO_FACTOR_ENABLED,
                actor=user,
                object_type="user",
                object_id=user.pk,
                after={"device": "totp"},
            )
    if not allowed:
        raise InvalidInput.for_field("code", _("Too many wrong codes. Wait a little, then try again."))
    if not accepted:
        raise InvalidInput.for_field("code", _("That code is not right. Check your app's clock and try again."))
    return device
