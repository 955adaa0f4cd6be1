"""The platform operator: the oversight organisation whose members administer Procura."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from procura.accounts.models import Organisation
from procura.accounts.roles import OrganisationKind
from procura.accounts.services import OrganisationDetails, organisation_register


def platform_organisation() -> Organisation:
    """The operator's organisation, registered on first use from the PROCURA_PLATFORM_* settings."""
    scheme, _, number = settings.PLATFORM_IDENTIFIER.partition(":")
    with transaction.atomic():
        existing = Organisation.objects.filter(identifier_scheme=scheme, identifier_id=number).first()
        if existing is not None:
            return existing
        return organisation_register(
            actor=None,
            kind=OrganisationKind.OVERSIGHT,
            details=OrganisationDetails(
                legal_name=settings.PLATFORM_NAME,
                identifier_scheme=scheme,
                identifier_id=number,
                country_code=settings.COUNTRY_CODE,
            ),
        )
