"""Organisations and memberships: registration, profile changes, granting and revoking roles."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from babel import Locale
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from procura.accounts import access
from procura.accounts.models import Membership, Organisation, User
from procura.accounts.roles import MEMBER_MANAGER_ROLES, OrganisationKind, Role, SupplierScale, role_allowed
from procura.accounts.services.users import user_register
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, RuleViolation

# org-id.guide list codes: a country (or X for international) and a register, e.g. GB-COH, ES-DIR3.
IDENTIFIER_SCHEME = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,12}$")


# CLDR territories that are not ISO 3166-1 countries: unions and groupings (EU, EZ, UN),
# "unknown" (ZZ), exceptionally reserved codes (AC, CP, CQ, DG, EA, IC, TA), and codes for
# private use (AA, QM–QZ, XA–XZ) apart from Kosovo (XK), which registers use.
_NOT_COUNTRIES = frozenset({"AA", "AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "TA", "UN", "ZZ"})


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from CLDR's territory list."""
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(
        code
        for code in codes
        if len(code) == 2
        and code.isalpha()
        and code not in _NOT_COUNTRIES
        and not (code.startswith("Q") and code >= "QM")
        and not (code.startswith("X") and code != "XK")
    )


@dataclass(frozen=True, kw_only=True)
class OrganisationDetails:
    """What a person enters about an organisation; validated by `clean()`."""

    legal_name: str
    identifier_scheme: str
    identifier_id: str
    country_code: str
    scale: str = ""
    street_address: str = ""
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_telephone: str = ""
    website: str = ""

    def clean(self, *, kind: str) -> dict[str, Any]:
        values = {k: (v or "").strip() for k, v in asdict(self).items()}
        values["identifier_scheme"] = values["identifier_scheme"].upper()
        values["country_code"] = values["country_code"].upper()
        errors: dict[str, list[str]] = {}
        if not values["legal_name"]:
            errors["legal_name"] = [_("Enter the organisation's legal name.")]
        if not IDENTIFIER_SCHEME.match(values["identifier_scheme"]):
            errors["identifier_scheme"] = [_("Enter a register code in the org-id style, such as GB-COH or ES-DIR3.")]
        if not values["identifier_id"]:
            errors["identifier_id"] = [_("Enter the organisation's number in that register.")]
        if values["country_code"] not in country_codes():
            errors["country_code"] = [_("Choose a country.")]
        if kind == OrganisationKind.SUPPLIER:
            if values["scale"] not in SupplierScale.values:
                errors["scale"] = [_("Choose the size of the business: micro, small, medium or large.")]
        elif values["scale"]:
            errors["scale"] = [_("Only suppliers have a business size.")]
        if values["contact_email"]:
            try:
                validate_email(values["contact_email"])
            except ValidationError:
                errors["contact_email"] = [_("Enter a valid email address.")]
        if values["website"]:
            try:
                URLValidator(schemes=["http", "https"])(values["website"])
            except ValidationError:
                errors["website"] = [_("Enter a web address starting with http:// or https://.")]
        if errors:
            raise InvalidInput(_("Some details of the organisation need correcting."), fields=errors)
        return values


def _snapshot(organisation: Organisation) -> dict[str, Any]:
    fields = [
        f.name
        for f in Organisation._meta.get_fields()
        if f.concrete and f.name not in {"id", "created_at", "updated_at"}
    ]
    return {name: getattr(organisation, name) for name in fields}


def organisation_register(*, actor: User | None, kind: str, details: OrganisationDetails) -> Organisation:
    """Register an organisation. `actor=None` is the platform itself (setup, demo data)."""
    if kind not in OrganisationKind.values:
        raise InvalidInput.for_field("kind", _("Choose buyer, supplier or oversight body."))
    if actor is not None:
        access.check_can_register_organisation(actor, kind)
    values = details.clean(kind=kind)
    now = clock.now()
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(kind=kind, created_at=now, updated_at=now, **values)
            audit_record(
                action=AuditAction.ORGANISATION_REGISTERED,
                actor=actor,
                organisation_id=organisation.pk,
                object_type="organisation",
                object_id=organisation.pk,
                after={"kind": kind, **values},
            )
    except IntegrityError:
        raise Conflict(
            _("An organisation with identifier %(scheme)s-%(id)s is already registered.")
            % {"scheme": values["identifier_scheme"], "id": values["identifier_id"]},
            fields={"identifier_id": [_("This identifier is already registered.")]},
        ) from None
    return organisation


def organisation_update(*, actor: User, organisation: Organisation, details: OrganisationDetails) -> Organisation:
    values = details.clean(kind=organisation.kind)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
            access.check_can_edit_organisation(actor, organisation)
            before = _snapshot(organisation)
            for name, value in values.items():
                setattr(organisation, name, value)
            organisation.updated_at = clock.now()
            organisation.save()
            after = _snapshot(organisation)
            changed = {k for k in after if before[k] != after[k]}
            audit_record(
                action=AuditAction.ORGANISATION_UPDATED,
                actor=actor,
                organisation_id=organisation.pk,
                object_type="organisation",
                object_id=organisation.pk,
                before={k: before[k] for k in changed},
                after={k: after[k] for k in changed},
            )
    except IntegrityError:
        raise Conflict(
            _("Another organisation already has this identifier."),
            fields={"identifier_id": [_("This identifier is already registered.")]},
        ) from None
    return organisation


def membership_grant(*, actor: User | None, user: User, organisation: Organisation, role: str) -> Membership:
    """Give a user a role in an organisation. Idempotent: granting a held role returns it."""
    if not role_allowed(organisation.kind, role):
        raise InvalidInput.for_field(
            "role",
            _("A %(kind)s organisation cannot have the role %(role)s.")
            % {"kind": OrganisationKind(organisation.kind).label, "role": Role(role).label}
            if role in Role.values
            else _("Choose one of the roles offered."),
        )
    if actor is not None:
        access.check_can_manage_members(actor, organisation)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role, defaults={"created_at": clock.now()}
        )
        if created:
            audit_record(
                action=AuditAction.MEMBERSHIP_GRANTED,
                actor=actor,
                organisation_id=organisation.pk,
                object_type="membership",
                object_id=membership.pk,
                after={"user": str(user.pk), "email": user.email, "role": role},
            )
    return membership


def membership_revoke(*, actor: User, membership: Membership) -> None:
    with transaction.atomic():
        # Lock the organisation's memberships in a fixed order so two managers removing each
        # other cannot both succeed and leave the organisation with nobody to manage it.
        memberships = list(
            Membership.objects.select_for_update().filter(organisation_id=membership.organisation_id).order_by("pk")
        )
        current = next((m for m in memberships if m.pk == membership.pk), None)
        if current is None:
            raise RuleViolation(_("This membership has already been removed."))
        access.check_can_manage_members(actor, current.organisation)
        managers_left = [m for m in memberships if m.role in MEMBER_MANAGER_ROLES and m.pk != current.pk]
        if current.role in MEMBER_MANAGER_ROLES and not managers_left:
            raise RuleViolation(
                _("%(name)s needs at least one member who can manage members; invite another first.")
                % {"name": current.organisation}
            )
        audit_record(
            action=AuditAction.MEMBERSHIP_REVOKED,
            actor=actor,
            organisation_id=current.organisation_id,
            object_type="membership",
            object_id=current.pk,
            before={"user": str(current.user_id), "role": current.role},
        )
        current.delete()


def supplier_sign_up(
    *,
    email: str,
    password: str,
    full_name: str,
    details: OrganisationDetails,
    language: str = "",
) -> tuple[User, Organisation]:
    """Self-service sign-up: a person and their firm, with the person as bid manager."""
    # Report every problem at once: the person's details and the firm's.
    errors: dict[str, list[str]] = {}
    try:
        details.clean(kind=OrganisationKind.SUPPLIER)
    except InvalidInput as exc:
        errors.update(exc.fields)
    with transaction.atomic():
        try:
            user = user_register(email=email, password=password, full_name=full_name, language=language)
        except InvalidInput as exc:
            errors.update(exc.fields)
            raise InvalidInput(_("Some details need correcting."), fields=errors) from None
        if errors:
            raise InvalidInput(_("Some details need correcting."), fields=errors)
        organisation = organisation_register(actor=user, kind=OrganisationKind.SUPPLIER, details=details)
        membership_grant(actor=None, user=user, organisation=organisation, role=Role.BID_MANAGER)
    return user, organisation


def platform_administrator_create(*, email: str, password: str, full_name: str, platform: Organisation) -> User:
    """Create (or promote) a platform administrator in the platform's oversight organisation."""
    if platform.kind != OrganisationKind.OVERSIGHT:
        raise InvalidInput.for_field("organisation", _("Platform administrators belong to an oversight body."))
    with transaction.atomic():
        user = User.objects.filter(email__iexact=(email or "").strip()).first()
        if user is None:
            user = user_register(
                email=email, password=password, full_name=full_name, email_verified=True, send_verification=False
            )
        membership_grant(actor=None, user=user, organisation=platform, role=Role.ADMINISTRATOR)
    return user
