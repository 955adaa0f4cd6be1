"""Deterministic demo data: organisations of every kind, a user for every role, and (in
`procura.demo_tenders`, `procura.demo_bids` and `procura.demo_awards`) procurement plans, a
tender in every status, the suppliers' registers and their bids, sealed or opened, evaluations,
awards, complaints, contracts in every stage and the debarment list.

`procura demo` loads it through the services (so the audit log records it like any other
change); running it again finds it loaded and changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura import demo_awards, demo_tenders
from procura.accounts.models import Organisation, User
from procura.accounts.platform import platform_organisation
from procura.accounts.roles import TWO_FACTOR_ROLES, OrganisationKind, Role
from procura.accounts.services import (
    OrganisationDetails,
    invitation_create,
    membership_grant,
    organisation_register,
    totp_current_code,
    totp_device_confirm,
    totp_device_start,
    user_register,
)
from procura.classifications.services import load_demo_classifications
from procura.core.errors import InvalidInput, PermissionDenied

DEMO_PASSWORD = "procura-demo-2026"
DEMO_DOMAIN = ".example"


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    kind: str
    details: OrganisationDetails


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    organisation: str  # DemoOrganisation.key, "platform", or "" for a person with no organisation
    role: str  # "" with no organisation
    # Signs in with an authenticator code: every buyer and platform role must; a supplier's bid
    # manager who signs contracts has set one up too (signing asks for a code).
    two_factor: bool = False
    about: str = ""  # what the report says instead of the role, for a person with no organisation

    @property
    def signs_in_with_code(self) -> bool:
        return self.two_factor or self.role in TWO_FACTOR_ROLES


ORGANISATIONS = [
    DemoOrganisation(
        "audit",
        OrganisationKind.OVERSIGHT,
        OrganisationDetails(
            legal_name="National Audit Office",
            identifier_scheme="GB-GOR",
            identifier_id="PB000101",
            country_code="GB",
            street_address="157-197 Buckingham Palace Road",
            locality="London",
            postal_code="SW1W 9SP",
            contact_email="enquiries@audit.example",
        ),
    ),
    DemoOrganisation(
        "review",
        OrganisationKind.OVERSIGHT,
        OrganisationDetails(
            legal_name="Public Procurement Review Board",
            identifier_scheme="GB-GOR",
            identifier_id="PB000102",
            country_code="GB",
            locality="London",
            contact_email="appeals@review.example",
        ),
    ),
    DemoOrganisation(
        "health",
        OrganisationKind.BUYER,
        OrganisationDetails(
            legal_name="Ministry of Health",
            identifier_scheme="GB-GOR",
            identifier_id="D12",
            country_code="GB",
            street_address="39 Victoria Street",
            locality="London",
            postal_code="SW1H 0EU",
            contact_name="Central procurement unit",
            contact_email="procurement@health.example",
            contact_telephone="+44 20 7946 0001",
            website="https://health.example",
        ),
    ),
    DemoOrganisation(
        "northbridge",
        OrganisationKind.BUYER,
        OrganisationDetails(
            legal_name="Northbridge City Council",
            identifier_scheme="GB-LAE",
            identifier_id="NBC",
            country_code="GB",
            street_address="Town Hall, Market Square",
            locality="Northbridge",
            postal_code="NB1 1AA",
            contact_email="tenders@northbridge.example",
            website="https://northbridge.example",
        ),
    ),
    DemoOrganisation(
        "roads",
        OrganisationKind.BUYER,
        OrganisationDetails(
            legal_name="National Roads Agency",
            identifier_scheme="GB-GOR",
            identifier_id="EA1201",
            country_code="GB",
            locality="Birmingham",
            contact_email="contracts@roads.example",
        ),
    ),
    DemoOrganisation(
        "acme",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Acme Medical Supplies Ltd",
            identifier_scheme="GB-COH",
            identifier_id="09876543",
            country_code="GB",
            scale="small",
            street_address="Unit 4, Riverside Park",
            locality="Leeds",
            postal_code="LS1 4AP",
            contact_name="Priya Shah",
            contact_email="bids@acme-medical.example",
        ),
    ),
    DemoOrganisation(
        "brightpath",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Brightpath Consulting",
            identifier_scheme="GB-COH",
            identifier_id="12345678",
            country_code="GB",
            scale="micro",
            locality="Bristol",
            contact_email="hello@brightpath.example",
        ),
    ),
    DemoOrganisation(
        "greengrid",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="GreenGrid Energy SL",
            identifier_scheme="ES-RMC",
            identifier_id="B87654321",
            country_code="ES",
            scale="medium",
            locality="Valencia",
            contact_email="ofertas@greengrid.example",
        ),
    ),
    DemoOrganisation(
        "northern",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Northern Construction plc",
            identifier_scheme="GB-COH",
            identifier_id="00445566",
            country_code="GB",
            scale="large",
            locality="Manchester",
            contact_email="tenders@northern.example",
        ),
    ),
    DemoOrganisation(
        "keystone",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Keystone IT Services Ltd",
            identifier_scheme="GB-COH",
            identifier_id="07123456",
            country_code="GB",
            scale="medium",
            street_address="2 Forbury Square",
            locality="Reading",
            postal_code="RG1 3EU",
            contact_name="Kemi Stone",
            contact_email="bids@keystone-it.example",
        ),
    ),
    DemoOrganisation(
        "datapoint",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Datapoint Systems GmbH",
            identifier_scheme="DE-CR",
            identifier_id="HRB 123456",
            country_code="DE",
            scale="large",
            locality="Hamburg",
            contact_email="angebote@datapoint.example",
        ),
    ),
    DemoOrganisation(
        "harvest",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Harvest Table Catering Ltd",
            identifier_scheme="GB-COH",
            identifier_id="10293847",
            country_code="GB",
            scale="small",
            street_address="Unit 7, Mill Lane Industrial Estate",
            locality="Northbridge",
            postal_code="NB4 2RT",
            contact_name="Hannah Marsh",
            contact_email="contracts@harvest-table.example",
        ),
    ),
    DemoOrganisation(
        "freshstart",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="FreshStart School Foods CIC",
            identifier_scheme="GB-COH",
            identifier_id="11457820",
            country_code="GB",
            scale="micro",
            locality="Northbridge",
            contact_email="hello@freshstart-foods.example",
        ),
    ),
    DemoOrganisation(
        "lifeline",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Lifeline Cardiac Systems Ltd",
            identifier_scheme="GB-COH",
            identifier_id="08812345",
            country_code="GB",
            scale="medium",
            locality="Cambridge",
            contact_email="tenders@lifeline-cardiac.example",
        ),
    ),
    DemoOrganisation(
        "junction",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Junction Signals Ltd",
            identifier_scheme="GB-COH",
            identifier_id="06677889",
            country_code="GB",
            scale="small",
            locality="Coventry",
            contact_email="bids@junction-signals.example",
        ),
    ),
    DemoOrganisation(
        "restwell",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Restwell Healthcare Furniture Ltd",
            identifier_scheme="GB-COH",
            identifier_id="05544332",
            country_code="GB",
            scale="medium",
            locality="Nottingham",
            contact_email="sales@restwell.example",
        ),
    ),
    # On the public debarment list; it bids for nothing in the demo.
    DemoOrganisation(
        "castlegate",
        OrganisationKind.SUPPLIER,
        OrganisationDetails(
            legal_name="Castlegate Building Services Ltd",
            identifier_scheme="GB-COH",
            identifier_id="04411223",
            country_code="GB",
            scale="medium",
            locality="Leicester",
            contact_email="info@castlegate.example",
        ),
    ),
]

USERS = [
    DemoUser("admin@procura.example", "Alex Admin", "platform", Role.ADMINISTRATOR),
    DemoUser("auditor@audit.example", "Ana Auditor", "audit", Role.AUDITOR),
    DemoUser("reviewer@review.example", "Rafael Reviewer", "review", Role.REVIEW_BODY),
    DemoUser("officer@health.example", "Olivia Officer", "health", Role.PROCUREMENT_OFFICER),
    DemoUser("approver@health.example", "Amir Approver", "health", Role.APPROVER),
    DemoUser("evaluator@health.example", "Eva Evaluator", "health", Role.EVALUATOR),
    DemoUser("officer@northbridge.example", "Noah Officer", "northbridge", Role.PROCUREMENT_OFFICER),
    DemoUser("officer@roads.example", "Rosa Officer", "roads", Role.PROCUREMENT_OFFICER),
    DemoUser("bids@acme-medical.example", "Priya Shah", "acme", Role.BID_MANAGER),
    DemoUser("viewer@acme-medical.example", "Victor Viewer", "acme", Role.VIEWER),
    DemoUser("hello@brightpath.example", "Bea Bright", "brightpath", Role.BID_MANAGER),
    DemoUser("ofertas@greengrid.example", "Gonzalo Green", "greengrid", Role.BID_MANAGER),
    DemoUser("tenders@northern.example", "Nadia North", "northern", Role.BID_MANAGER),
    DemoUser("bids@keystone-it.example", "Kemi Stone", "keystone", Role.BID_MANAGER),
    DemoUser("angebote@datapoint.example", "Holger Brandt", "datapoint", Role.BID_MANAGER),
    DemoUser("finance@northbridge.example", "Fiona Finch", "northbridge", Role.APPROVER),
    # An independent observer on evaluation panels, from a civil-society organisation: no
    # organisation on the platform (an observer belongs neither to the buyer nor to a bidder).
    DemoUser(
        "observer@openwatch.example",
        "Omar Haddad",
        "",
        "",
        about="Independent observer",
    ),
    DemoUser("contracts@harvest-table.example", "Hannah Marsh", "harvest", Role.BID_MANAGER, two_factor=True),
    DemoUser("hello@freshstart-foods.example", "Femi Adeyemi", "freshstart", Role.BID_MANAGER, two_factor=True),
    DemoUser("tenders@lifeline-cardiac.example", "Laura Chen", "lifeline", Role.BID_MANAGER),
    DemoUser("bids@junction-signals.example", "Jas Sandhu", "junction", Role.BID_MANAGER, two_factor=True),
    DemoUser("sales@restwell.example", "Rhys Morgan", "restwell", Role.BID_MANAGER, two_factor=True),
]

PENDING_INVITATION = ("health", "new.evaluator@health.example", Role.EVALUATOR, "officer@health.example")


def totp_key_for(email: str) -> str:
    """A fixed authenticator key per demo user, so the demo is the same on every machine."""
    return hashlib.sha1(f"procura-demo:{email}".encode()).hexdigest()  # noqa: S324 - not a security use


def _base32(hex_key: str) -> str:
    """Authenticator apps take keys in base32."""
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


def _organisations() -> dict[str, Organisation]:
    found: dict[str, Organisation] = {"platform": platform_organisation()}
    for spec in ORGANISATIONS:
        existing = Organisation.objects.filter(
            identifier_scheme=spec.details.identifier_scheme, identifier_id=spec.details.identifier_id
        ).first()
        found[spec.key] = existing or organisation_register(actor=None, kind=spec.kind, details=spec.details)
    return found


def _user(spec: DemoUser, organisation: Organisation | None) -> User:
    user = User.objects.filter(email=spec.email).first() or user_register(
        email=spec.email, password=DEMO_PASSWORD, full_name=spec.full_name, email_verified=True, send_verification=False
    )
    if organisation is not None:
        membership_grant(actor=None, user=user, organisation=organisation, role=spec.role)
    if spec.signs_in_with_code and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        device = totp_device_start(user=user, key=totp_key_for(spec.email))
        totp_device_confirm(user=user, device=device, code=totp_current_code(device))
    return user


def load() -> str:
    """Load the demo data if it is not there yet, and describe how to use it."""
    with transaction.atomic():
        load_demo_classifications()
        organisations = _organisations()
        users = {spec.email: _user(spec, organisations.get(spec.organisation)) for spec in USERS}
        key, email, role, inviter = PENDING_INVITATION
        if not organisations[key].invitations.filter(email=email).exists():
            invitation_create(actor=users[inviter], organisation=organisations[key], email=email, role=role)
        demo_tenders.load(organisations=organisations, users=users)
    return report([*demo_tenders.summary(organisations), *demo_awards.summary(organisations), *_open_data()])


def _open_data() -> list[str]:
    """Build the bulk files now (the job would within ten minutes) and bring the reference
    publishers' data into the historical store, when the OCDS reference folder has it."""
    from procura.publication import schema
    from procura.publication.bulk import bulk_refresh
    from procura.publication.importer import import_path
    from procura.publication.models import HistoricalProcess, Release

    built = bulk_refresh()
    lines = [
        f"Open data: {Release.objects.count()} OCDS releases; {len(built.built)} bulk files built "
        "(see /open-data/ and /api/ocds/releases)."
    ]
    try:
        examples = sorted((schema.ocds_dir() / "real-examples").rglob("*.json"))
    except schema.SchemaUnavailable:
        examples = []
    for path in examples:
        import_path(path=str(path))
    if examples:
        lines.append(
            f"Historical records: {HistoricalProcess.objects.count()} processes from other publishers "
            "(see /open-data/history/)."
        )
    return lines


def report(summary: list[str] | None = None) -> str:
    lines = [
        "Procura demo data is loaded.",
        f"Every demo user's password: {DEMO_PASSWORD}",
        "Users marked * sign in with a two-factor code: add their key (base32) to an authenticator app,",
        "or print the current code with: procura demo --code-for EMAIL",
        "",
    ]
    for spec in USERS:
        star = "*" if spec.signs_in_with_code else " "
        role = spec.about or Role(spec.role).label
        lines.append(
            f" {star} {spec.email:<32} {role:<26} key {_base32(totp_key_for(spec.email)) if star == '*' else '-'}"
        )
    if summary:
        lines += ["", *summary]
    return "\n".join(lines)


def current_code(email: str) -> str:
    if settings.PRODUCTION:
        raise PermissionDenied("Demo two-factor codes are only available in development mode.")
    if not email.endswith(DEMO_DOMAIN):
        raise InvalidInput.for_field("email", f"{email} is not a demo user (demo addresses end in {DEMO_DOMAIN}).")
    device = TOTPDevice.objects.filter(user__email=email.lower(), confirmed=True).first()
    if device is None:
        raise InvalidInput.for_field("email", f"{email} has no two-factor device; run `procura demo` first.")
    return totp_current_code(device)
