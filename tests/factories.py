"""Test data made through the services, so tests exercise the one write path."""

from __future__ import annotations

import itertools

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from procura.accounts.services import (
    OrganisationDetails,
    membership_grant,
    organisation_register,
    totp_current_code,
    totp_device_confirm,
    totp_device_start,
    user_register,
)

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


def organisation(kind: str = OrganisationKind.BUYER, *, name: str | None = None, scale: str = "") -> Organisation:
    n = next(_serial)
    if kind == OrganisationKind.SUPPLIER and not scale:
        scale = "small"
    return organisation_register(
        actor=None,
        kind=kind,
        details=OrganisationDetails(
            legal_name=name or f"{kind.title()} organisation {n}",
            identifier_scheme="GB-COH",
            identifier_id=f"T{n:07d}",
            country_code="GB",
            scale=scale,
            contact_email=f"contact{n}@org.example",
        ),
    )


def user(*, email: str | None = None, full_name: str = "Test Person", verified: bool = True) -> User:
    n = next(_serial)
    return user_register(
        email=email or f"person{n}@test.example",
        password=PASSWORD,
        full_name=full_name,
        email_verified=verified,
        send_verification=False,
    )


def member(org: Organisation, role: str, **kwargs: object) -> User:
    person = user(**kwargs)  # type: ignore[arg-type]
    membership_grant(actor=None, user=person, organisation=org, role=role)
    return person


def totp_device(person: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
    if device is None:
        device = totp_device_start(user=person)
        device = totp_device_confirm(user=person, device=device, code=totp_current_code(device))
    return device


def signed_in_client(person: User, *, two_factor: bool = True) -> Client:
    """A client signed in as `person`; with a verified second factor when they have one."""
    client = Client()
    client.force_login(person)
    if two_factor:
        device = totp_device(person)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


def platform_admin() -> User:
    from procura.accounts.platform import platform_organisation

    return member(platform_organisation(), Role.ADMINISTRATOR)
