"""Accounts services: each checks its rules and access, writes, and audits in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.core import mail

from procura.accounts import access
from procura.accounts.models import ApiToken, Invitation, Membership, Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from procura.accounts.services import (
    OrganisationDetails,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    email_verify,
    invitation_accept,
    invitation_accept_as_new_user,
    invitation_create,
    invitation_revoke,
    membership_grant,
    membership_revoke,
    organisation_register,
    organisation_update,
    supplier_sign_up,
)
from procura.accounts.services.users import email_verification_token
from procura.audit.models import AuditEntry
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from tests import factories
from tests.conftest import World

FIRM = OrganisationDetails(
    legal_name="Tiny Widgets Ltd",
    identifier_scheme="gb-coh",
    identifier_id="07654321",
    country_code="gb",
    scale="micro",
)


def _actions() -> list[str]:
    return list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True))


@pytest.mark.django_db
def test_supplier_sign_up_creates_person_firm_and_bid_manager_role_with_audit(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        user, firm = supplier_sign_up(
            email="Owner@Tiny.example", password="a long passphrase 42", full_name="Owen Owner", details=FIRM
        )
    # then
    assert user.email == "owner@tiny.example"
    assert user.email_verified_at is None
    assert (firm.kind, firm.identifier, firm.country_code, firm.scale) == ("supplier", "GB-COH-07654321", "GB", "micro")
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [Role.BID_MANAGER]
    assert _actions() == ["user.registered", "organisation.registered", "membership.granted"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@tiny.example"]
    assert "/account/verify-email/" in mail.outbox[0].body


@pytest.mark.django_db
def test_sign_up_reports_every_bad_field_and_writes_nothing() -> None:
    bad = OrganisationDetails(
        legal_name="", identifier_scheme="companies house", identifier_id="", country_code="QQ", scale="huge"
    )
    with pytest.raises(InvalidInput) as info:
        supplier_sign_up(email="not-an-email", password="short", full_name="", details=bad)
    assert set(info.value.fields) >= {
        "legal_name",
        "identifier_scheme",
        "identifier_id",
        "country_code",
        "scale",
        "email",
    }
    assert User.objects.count() == 0
    assert Organisation.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_sign_up_with_a_registered_identifier_leaves_no_user_behind() -> None:
    supplier_sign_up(email="first@tiny.example", password="a long passphrase 42", full_name="First", details=FIRM)
    with pytest.raises(Conflict) as info:
        supplier_sign_up(email="second@tiny.example", password="a long passphrase 42", full_name="Second", details=FIRM)
    assert "identifier_id" in info.value.fields
    assert not User.objects.filter(email="second@tiny.example").exists()


@pytest.mark.django_db
def test_weak_passwords_are_refused_with_the_reason() -> None:
    with pytest.raises(InvalidInput) as info:
        supplier_sign_up(email="a@tiny.example", password="password", full_name="A", details=FIRM)
    assert any("too common" in m or "too short" in m for m in info.value.fields["password"])


@pytest.mark.django_db
def test_email_verification_link_verifies_once_and_forged_links_fail() -> None:
    user = factories.user(verified=False)
    token = email_verification_token(user)
    assert email_verify(token=token).email_verified_at is not None
    assert email_verify(token=token).pk == user.pk  # idempotent
    with pytest.raises(InvalidInput) as info:
        email_verify(token=token[:-2] + "xx")
    assert info.value.fields == {"token": ["This confirmation link is not valid."]}


@pytest.mark.django_db
def test_expired_verification_link_says_so(settings: object) -> None:
    user = factories.user(verified=False)
    token = email_verification_token(user)
    settings.EMAIL_VERIFICATION_MAX_AGE = -1  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput, match="expired"):
        email_verify(token=token)


@pytest.mark.django_db
def test_only_the_platform_registers_buyers() -> None:
    supplier = factories.member(factories.organisation(OrganisationKind.SUPPLIER), Role.BID_MANAGER)
    details = OrganisationDetails(
        legal_name="Fake Ministry", identifier_scheme="GB-GOR", identifier_id="X1", country_code="GB"
    )
    with pytest.raises(PermissionDenied):
        organisation_register(actor=supplier, kind=OrganisationKind.BUYER, details=details)
    admin = factories.platform_admin()
    assert organisation_register(actor=admin, kind=OrganisationKind.BUYER, details=details).kind == "buyer"


@pytest.mark.django_db
def test_a_role_must_fit_the_kind_of_organisation() -> None:
    buyer = factories.organisation(OrganisationKind.BUYER)
    with pytest.raises(InvalidInput) as info:
        membership_grant(actor=None, user=factories.user(), organisation=buyer, role=Role.BID_MANAGER)
    assert list(info.value.fields) == ["role"]


@pytest.mark.django_db
def test_organisation_update_is_for_its_managers_and_audits_the_change(world: World) -> None:
    details = OrganisationDetails(
        legal_name="Ministry of Tests and Trials",
        identifier_scheme=world.buyer.identifier_scheme,
        identifier_id=world.buyer.identifier_id,
        country_code="GB",
        locality="York",
        contact_email=world.buyer.contact_email,
    )
    with pytest.raises(PermissionDenied):
        organisation_update(actor=world.other_officer, organisation=world.buyer, details=details)
    with pytest.raises(PermissionDenied):
        organisation_update(actor=world.evaluator, organisation=world.buyer, details=details)
    updated = organisation_update(actor=world.officer, organisation=world.buyer, details=details)
    assert updated.legal_name == "Ministry of Tests and Trials"
    entry = AuditEntry.objects.filter(action="organisation.updated").get()
    assert entry.before == {"legal_name": "Ministry of Tests", "locality": ""}
    assert entry.after == {"legal_name": "Ministry of Tests and Trials", "locality": "York"}
    assert entry.actor_id == world.officer.pk
    assert entry.organisation_id == world.buyer.pk


@pytest.mark.django_db
def test_invitation_is_emailed_and_accepted_once(world: World, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    # given
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invitation_create(
            actor=world.officer, organisation=world.buyer, email="New.Person@Test.example", role=Role.EVALUATOR
        )
    # then only a hash of the token is stored, and the link is emailed
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    assert len(mail.outbox) == 1
    assert re.search(rf"/invitations/{re.escape(token)}/", mail.outbox[0].body)
    # when accepted by a new person
    person = invitation_accept_as_new_user(token=token, full_name="New Person", password="a long passphrase 42")
    # then
    assert person.email == "new.person@test.example"
    assert person.email_verified_at is not None
    assert access.roles_in(person, world.buyer) == {Role.EVALUATOR}
    with pytest.raises(RuleViolation, match="already been used"):
        invitation_accept(token=token, user=person)


@pytest.mark.django_db
def test_invitation_expires(world: World, frozen_clock: clock.Clock) -> None:
    _, token = invitation_create(
        actor=world.officer, organisation=world.buyer, email="late@test.example", role=Role.APPROVER
    )
    frozen_clock.advance(dt.timedelta(days=7, seconds=1))
    with pytest.raises(RuleViolation, match="expired"):
        invitation_accept_as_new_user(token=token, full_name="Late", password="a long passphrase 42")
    assert not User.objects.filter(email="late@test.example").exists()


@pytest.mark.django_db
def test_invitation_for_someone_else_cannot_be_taken(world: World) -> None:
    _, token = invitation_create(
        actor=world.officer, organisation=world.buyer, email="right@test.example", role=Role.APPROVER
    )
    with pytest.raises(RuleViolation, match=r"right@test\.example"):
        invitation_accept(token=token, user=world.bid_manager)
    assert access.roles_in(world.bid_manager, world.buyer) == frozenset()


@pytest.mark.django_db
def test_revoked_and_unknown_invitations_are_refused(world: World) -> None:
    invitation, token = invitation_create(
        actor=world.officer, organisation=world.buyer, email="x@test.example", role=Role.APPROVER
    )
    with pytest.raises(PermissionDenied):
        invitation_revoke(actor=world.other_officer, invitation=invitation)
    invitation_revoke(actor=world.officer, invitation=invitation)
    with pytest.raises(RuleViolation, match="withdrawn"):
        invitation_accept_as_new_user(token=token, full_name="X", password="a long passphrase 42")
    with pytest.raises(NotFound):
        invitation_accept_as_new_user(token="nonsense", full_name="X", password="a long passphrase 42")


@pytest.mark.django_db
def test_invitations_need_a_member_manager_and_a_fitting_role(world: World) -> None:
    with pytest.raises(PermissionDenied):
        invitation_create(actor=world.evaluator, organisation=world.buyer, email="a@test.example", role=Role.EVALUATOR)
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=world.bid_manager, organisation=world.buyer, email="a@test.example", role=Role.EVALUATOR
        )
    with pytest.raises(InvalidInput) as info:
        invitation_create(actor=world.officer, organisation=world.buyer, email="a@test.example", role=Role.VIEWER)
    assert list(info.value.fields) == ["role"]
    invitation_create(actor=world.officer, organisation=world.buyer, email="a@test.example", role=Role.EVALUATOR)
    with pytest.raises(Conflict, match="already waiting"):
        invitation_create(actor=world.officer, organisation=world.buyer, email="A@test.example", role=Role.EVALUATOR)
    with pytest.raises(Conflict, match="already has that role"):
        invitation_create(
            actor=world.officer, organisation=world.buyer, email=world.evaluator.email, role=Role.EVALUATOR
        )


@pytest.mark.django_db
def test_the_last_member_manager_cannot_be_removed(world: World) -> None:
    officer_role = Membership.objects.get(user=world.officer, organisation=world.buyer)
    with pytest.raises(RuleViolation, match="at least one member who can manage members"):
        membership_revoke(actor=world.officer, membership=officer_role)
    evaluator_role = Membership.objects.get(user=world.evaluator, organisation=world.buyer)
    membership_revoke(actor=world.officer, membership=evaluator_role)
    assert access.roles_in(world.evaluator, world.buyer) == frozenset()
    assert AuditEntry.objects.filter(action="membership.revoked", object_id=str(evaluator_role.pk)).exists()


@pytest.mark.django_db
def test_api_tokens_are_hashed_scoped_expiring_and_revocable(world: World, frozen_clock: clock.Clock) -> None:
    _token, secret = api_token_create(actor=world.officer, name="ERP link", scopes=["read"], expires_in_days=30)
    assert secret.startswith("prc_")
    assert ApiToken.objects.filter(token_hash=hashlib.sha256(secret.encode()).hexdigest()).exists()
    assert not ApiToken.objects.filter(prefix=secret).exists()
    authenticated = api_token_authenticate(secret)
    assert authenticated is not None
    assert authenticated.user == world.officer
    assert api_token_authenticate(secret + "x") is None
    frozen_clock.advance(dt.timedelta(days=30))
    assert api_token_authenticate(secret) is None
    other, other_secret = api_token_create(actor=world.officer, name="Script", scopes=["read", "write"])
    with pytest.raises(NotFound):
        api_token_revoke(actor=world.bid_manager, token_id=other.pk)
    api_token_revoke(actor=world.officer, token_id=other.pk)
    assert api_token_authenticate(other_secret) is None


@pytest.mark.django_db
def test_api_token_input_errors_name_the_fields(world: World) -> None:
    with pytest.raises(InvalidInput) as info:
        api_token_create(actor=world.officer, name="", scopes=["admin"], expires_in_days=1000)
    assert set(info.value.fields) == {"name", "scopes", "expires_in_days"}


@pytest.mark.django_db
def test_two_factor_is_required_for_buyer_and_platform_roles_only(world: World) -> None:
    for person in (world.officer, world.approver, world.evaluator, world.admin, world.auditor, world.reviewer):
        assert access.requires_two_factor(person)
    for person in (world.bid_manager, world.viewer):
        assert not access.requires_two_factor(person)


def test_the_country_list_is_iso_3166() -> None:
    from procura.accounts.services.organisations import country_codes

    codes = country_codes()
    assert {"GB", "ES", "MX", "UA", "KR", "XK"} <= codes
    assert not codes & {"EU", "UN", "ZZ", "XA", "QO", "EA", "IC"}
    assert len(codes) == 250  # the 249 ISO 3166-1 countries, and Kosovo
