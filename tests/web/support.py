"""Helpers for page tests: authenticators set up a moment ago, codes that are surely wrong."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace
from unittest import mock

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts.models import User
from procura.accounts.services import totp_device_confirm, totp_device_start


def _code_at(device: TOTPDevice, moment: float) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = moment
    return str(totp.token()).zfill(device.digits)


def authenticator_set_up_earlier(person: User) -> TOTPDevice:
    """A confirmed authenticator, set up one time step ago: the code it shows now
    (`totp_current_code`) has not been used yet, so signing in with it works."""
    device = totp_device_start(user=person)
    earlier = time.time() - device.step
    with mock.patch("django_otp.plugins.otp_totp.models.time", SimpleNamespace(time=lambda: earlier)):
        return totp_device_confirm(user=person, device=device, code=_code_at(device, earlier))


def wrong_code(device: TOTPDevice) -> str:
    """A code the device does not accept now (none of the codes within its tolerance)."""
    now = time.time()
    valid = {_code_at(device, now + step * device.step) for step in (-2, -1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222") if code not in valid)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def text(response: object) -> str:
    """The response body as text with whitespace runs collapsed, for phrase assertions."""
    return re.sub(r"\s+", " ", response.content.decode())  # type: ignore[attr-defined]
