"""Writes to the supplier register: validation naming the field, the 100% share total, access,
audit entries, events, and what the documents app lets people see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from procura.audit.models import AuditEntry
from procura.core.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied, RuleViolation
from procura.core.events import subscribe, unsubscribe
from procura.documents.access import can_view_document
from procura.documents.models import Document
from procura.suppliers import events, selectors
from procura.suppliers.domain import ocds_beneficial_owners
from procura.suppliers.models import BeneficialOwner, QualificationDocument
from procura.suppliers.services import (
    beneficial_owner_add,
    beneficial_owner_remove,
    beneficial_owner_update,
    qualification_document_add,
    qualification_document_remove,
)
from tests.conftest import World
from tests.documents.samples import named
from tests.suppliers.conftest import TODAY, pdf

pytestmark = pytest.mark.django_db


def _owner(world: World, **overrides: Any) -> BeneficialOwner:
    values: dict[str, Any] = {
        "actor": world.bid_manager,
        "organisation": world.supplier,
        "name": "Ana García",
        "nationality": "ES",
        "share": Decimal("25"),
    }
    values.update(overrides)
    return beneficial_owner_add(**values)


# --- Beneficial owners ------------------------------------------------------------------------
def test_a_bid_manager_adds_a_beneficial_owner_with_an_audit_entry(world: World, frozen_clock: Any) -> None:
    # when
    owner = _owner(world, share="12.5", date_of_birth="1975-04-12", address=" Calle Mayor 1 ", publishable=False)
    # then
    stored = BeneficialOwner.objects.get(pk=owner.pk)
    assert (stored.name, stored.nationality, stored.share, stored.publishable) == (
        "Ana García",
        "ES",
        Decimal("12.50"),
        False,
    )
    assert stored.date_of_birth == dt.date(1975, 4, 12)
    assert stored.address == "Calle Mayor 1"
    entry = AuditEntry.objects.get(action="beneficial_owner.added", object_id=str(owner.pk))
    assert entry.actor_id == world.bid_manager.pk
    assert entry.organisation_id == world.supplier.pk
    assert entry.after == {
        "name": "Ana García",
        "nationality": "ES",
        "share": "12.50",
        "publishable": False,
        "date_of_birth_given": True,
        "address_given": True,
    }


def test_the_audit_log_never_keeps_an_owners_personal_data(world: World, frozen_clock: Any) -> None:
    owner = _owner(world, date_of_birth=dt.date(1975, 4, 12), address="Calle Mayor 1")
    beneficial_owner_update(actor=world.bid_manager, owner=owner, address="Gran Vía 2", date_of_birth=None)
    beneficial_owner_remove(actor=world.bid_manager, owner=owner)
    for entry in AuditEntry.objects.filter(object_type="beneficial_owner"):
        text = str(entry.before) + str(entry.after)
        assert "1975" not in text
        assert "Calle Mayor" not in text
        assert "Gran Vía" not in text


def test_the_nationality_is_upper_cased(world: World) -> None:
    assert _owner(world, nationality=" es ").nationality == "ES"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ana\x00"}, "name"),
        ({"name": 5}, "name"),
        ({"nationality": "XX"}, "nationality"),
        ({"nationality": "ESP"}, "nationality"),
        ({"nationality": "EU"}, "nationality"),  # a union, not a country
        ({"nationality": None}, "nationality"),
        ({"share": "0"}, "share"),
        ({"share": "-1"}, "share"),
        ({"share": "100.01"}, "share"),
        ({"share": "12.345"}, "share"),
        ({"share": "a quarter"}, "share"),
        ({"share": ""}, "share"),
        ({"share": None}, "share"),
        ({"share": True}, "share"),
        ({"share": "NaN"}, "share"),
        ({"publishable": "yes"}, "publishable"),
        ({"date_of_birth": "31/05/1970"}, "date_of_birth"),
        ({"date_of_birth": "2026-03-02"}, "date_of_birth"),  # not in the past
        ({"date_of_birth": "1850-01-01"}, "date_of_birth"),
        ({"address": "x" * 1001}, "address"),
    ],
)
def test_bad_owner_details_are_refused_naming_the_field(
    world: World, frozen_clock: Any, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _owner(world, **overrides)
    assert set(caught.value.fields) == {field}
    assert not BeneficialOwner.objects.exists()


def test_every_bad_field_is_named_at_once(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        _owner(world, name="", nationality="", share="")
    assert set(caught.value.fields) == {"name", "nationality", "share"}


def test_the_owners_shares_together_cannot_exceed_a_hundred_percent(world: World) -> None:
    # given
    _owner(world, share="60")
    _owner(world, name="Bo Berg", nationality="SE", share="30")
    # when a third owner would take the total to 100.01%
    with pytest.raises(RuleViolation) as caught:
        _owner(world, name="Cy Chen", nationality="CN", share="10.01")
    # then
    assert set(caught.value.fields) == {"share"}
    assert "10" in caught.value.fields["share"][0]
    assert BeneficialOwner.objects.filter(organisation=world.supplier).count() == 2
    # but exactly 100% is fine
    _owner(world, name="Cy Chen", nationality="CN", share="10")
    assert selectors.share_total(world.supplier) == Decimal("100")


def test_shares_are_counted_per_supplier(world: World) -> None:
    _owner(world, share="100")
    other = beneficial_owner_add(
        actor=world.other_bid_manager, organisation=world.other_supplier, name="Dee", nationality="GB", share=100
    )
    assert other.share == Decimal("100")


def test_changing_an_owners_share_counts_the_others_only(world: World) -> None:
    # given
    first = _owner(world, share="60")
    _owner(world, name="Bo Berg", nationality="SE", share="40")
    # when the first owner's share stays within what the others leave
    updated = beneficial_owner_update(actor=world.bid_manager, owner=first, share="60")
    assert updated.share == Decimal("60")
    # then raising it above is refused
    with pytest.raises(RuleViolation) as caught:
        beneficial_owner_update(actor=world.bid_manager, owner=first, share="61")
    assert set(caught.value.fields) == {"share"}
    assert BeneficialOwner.objects.get(pk=first.pk).share == Decimal("60")


def test_an_update_changes_only_what_is_given(world: World, frozen_clock: Any) -> None:
    # given
    owner = _owner(world, date_of_birth=dt.date(1975, 4, 12), address="Calle Mayor 1")
    frozen_clock.advance(dt.timedelta(hours=1))
    # when
    updated = beneficial_owner_update(actor=world.bid_manager, owner=owner, name="Ana García López", date_of_birth=None)
    # then
    stored = BeneficialOwner.objects.get(pk=owner.pk)
    assert stored.name == "Ana García López"
    assert stored.date_of_birth is None
    assert (stored.nationality, stored.share, stored.address) == ("ES", Decimal("25"), "Calle Mayor 1")
    assert stored.updated_at > stored.created_at
    entry = AuditEntry.objects.get(action="beneficial_owner.updated", object_id=str(owner.pk))
    assert entry.before is not None
    assert entry.before["name"] == "Ana García"
    assert entry.after is not None
    assert entry.after["name"] == "Ana García López"
    assert entry.after["date_of_birth_changed"] is True
    assert updated.pk == owner.pk


def test_an_update_with_a_bad_value_names_the_field_and_changes_nothing(world: World) -> None:
    owner = _owner(world)
    with pytest.raises(InvalidInput) as caught:
        beneficial_owner_update(actor=world.bid_manager, owner=owner, name="Renamed", nationality="ZZ")
    assert set(caught.value.fields) == {"nationality"}
    assert BeneficialOwner.objects.get(pk=owner.pk).name == "Ana García"


def test_removing_an_owner_forgets_them(world: World) -> None:
    owner = _owner(world)
    beneficial_owner_remove(actor=world.bid_manager, owner=owner)
    assert not BeneficialOwner.objects.filter(pk=owner.pk).exists()
    assert AuditEntry.objects.filter(action="beneficial_owner.removed", object_id=str(owner.pk)).exists()


@pytest.mark.parametrize("person", ["viewer", "other_bid_manager", "officer", "admin", "auditor"])
def test_only_the_suppliers_bid_managers_change_its_owners(world: World, person: str) -> None:
    # given
    owner = _owner(world)
    actor = getattr(world, person)
    # then
    with pytest.raises(PermissionDenied):
        _owner(world, actor=actor, name="Intruder")
    with pytest.raises(PermissionDenied):
        beneficial_owner_update(actor=actor, owner=owner, name="Intruder")
    with pytest.raises(PermissionDenied):
        beneficial_owner_remove(actor=actor, owner=owner)
    assert list(BeneficialOwner.objects.values_list("name", flat=True)) == ["Ana García"]


def test_an_anonymous_actor_is_told_to_sign_in(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        _owner(world, actor=AnonymousUser())


def test_buyers_have_no_beneficial_owners_here(world: World) -> None:
    with pytest.raises(RuleViolation):
        _owner(world, actor=world.officer, organisation=world.buyer)
    assert not BeneficialOwner.objects.exists()


def test_changes_to_owners_are_announced_saying_whether_the_public_data_changed(world: World) -> None:
    # given
    seen: list[events.BeneficialOwnersChanged] = []
    subscribe(events.BeneficialOwnersChanged, seen.append)
    try:
        # when
        owner = _owner(world, publishable=True)
        beneficial_owner_update(actor=world.bid_manager, owner=owner, share="30")  # the share is not published
        beneficial_owner_update(actor=world.bid_manager, owner=owner, publishable=False)
        hidden = _owner(world, name="Hidden", nationality="GB", share="10", publishable=False)
        beneficial_owner_remove(actor=world.bid_manager, owner=hidden)
    finally:
        unsubscribe(events.BeneficialOwnersChanged, seen.append)
    # then
    assert [(type(e).__name__, e.public_data_changed) for e in seen] == [
        ("BeneficialOwnerAdded", True),
        ("BeneficialOwnerUpdated", False),
        ("BeneficialOwnerUpdated", True),
        ("BeneficialOwnerAdded", False),
        ("BeneficialOwnerRemoved", False),
    ]
    assert {e.organisation_id for e in seen} == {world.supplier.pk}


def test_published_owners_are_the_publishable_ones(world: World) -> None:
    # given
    ana = _owner(world, publishable=True)
    _owner(world, name="Hidden Person", nationality="GB", share="10", publishable=False)
    # when
    published = selectors.published_beneficial_owners(world.supplier)
    # then
    assert published == [ana]
    assert ocds_beneficial_owners(published) == [{"id": str(ana.pk), "name": "Ana García", "nationalities": ["ES"]}]


# --- Qualification documents ------------------------------------------------------------------
def _qualification(world: World, **overrides: Any) -> QualificationDocument:
    values: dict[str, Any] = {
        "actor": world.bid_manager,
        "organisation": world.supplier,
        "kind": "tax_clearance",
        "title": "Tax clearance 2026",
        "file": pdf("tax.pdf"),
        "issued_on": dt.date(2026, 1, 15),
        "expires_on": dt.date(2026, 12, 31),
    }
    values.update(overrides)
    return qualification_document_add(**values)


def test_a_bid_manager_uploads_a_qualification_document(world: World, frozen_clock: Any) -> None:
    # when
    qualification = _qualification(world)
    # then
    stored = QualificationDocument.objects.select_related("document").get(pk=qualification.pk)
    assert (stored.kind, stored.title, stored.issued_on, stored.expires_on) == (
        "tax_clearance",
        "Tax clearance 2026",
        dt.date(2026, 1, 15),
        dt.date(2026, 12, 31),
    )
    assert stored.document.owner_type == "qualification_document"
    assert stored.document.owner_id == stored.pk
    assert stored.document.organisation_id == world.supplier.pk
    assert stored.created_by_id == world.bid_manager.pk
    entry = AuditEntry.objects.get(action="qualification_document.added", object_id=str(stored.pk))
    assert entry.after is not None
    assert entry.after["sha256"] == stored.document.sha256


def test_a_document_without_dates_never_expires(world: World, frozen_clock: Any) -> None:
    qualification = _qualification(world, issued_on=None, expires_on="")
    assert (qualification.issued_on, qualification.expires_on) == (None, None)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "diploma"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"title": " "}, "title"),
        ({"title": "x" * 251}, "title"),
        ({"issued_on": "2026-03-03"}, "issued_on"),  # tomorrow
        ({"issued_on": "yesterday"}, "issued_on"),
        ({"expires_on": "2026-03-01"}, "expires_on"),  # expired yesterday
        ({"issued_on": "2026-02-01", "expires_on": "2026-01-31"}, "expires_on"),
        ({"expires_on": "3000-01-01"}, "expires_on"),
        ({"file": None}, "file"),
        ({"file": named(b"MZ\x90\x00", "virus.exe")}, "file"),
    ],
)
def test_bad_qualification_details_are_refused_naming_the_field(
    world: World, frozen_clock: Any, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _qualification(world, **overrides)
    assert field in caught.value.fields
    assert not QualificationDocument.objects.exists()
    assert not Document.objects.filter(owner_type="qualification_document").exists()


def test_a_document_expiring_today_is_still_accepted(world: World, frozen_clock: Any) -> None:
    assert _qualification(world, expires_on=TODAY).expires_on == TODAY


@pytest.mark.parametrize("person", ["viewer", "other_bid_manager", "officer", "admin", "auditor"])
def test_only_the_suppliers_bid_managers_upload_and_remove_documents(
    world: World, frozen_clock: Any, person: str
) -> None:
    # given
    qualification = _qualification(world)
    actor = getattr(world, person)
    # then
    with pytest.raises(PermissionDenied):
        _qualification(world, actor=actor, title="Intruder's upload")
    with pytest.raises(PermissionDenied):
        qualification_document_remove(actor=actor, qualification=qualification)
    assert list(QualificationDocument.objects.values_list("title", "removed_at")) == [("Tax clearance 2026", None)]


def test_removing_a_document_keeps_it_for_the_bids_that_used_it(world: World, frozen_clock: Any) -> None:
    # given
    qualification = _qualification(world)
    # when
    qualification_document_remove(actor=world.bid_manager, qualification=qualification)
    # then
    stored = QualificationDocument.objects.get(pk=qualification.pk)
    assert stored.removed_at is not None
    assert Document.objects.filter(pk=stored.document_id).exists()
    assert selectors.qualifications_of(world.supplier) == []
    assert AuditEntry.objects.filter(action="qualification_document.removed", object_id=str(stored.pk)).exists()
    # and removing it again is a conflict
    with pytest.raises(Conflict):
        qualification_document_remove(actor=world.bid_manager, qualification=qualification)


def test_current_qualifications_are_those_valid_on_the_day(world: World, frozen_clock: Any) -> None:
    # given
    lasting = _qualification(world, title="Lasting", issued_on=None, expires_on=None)
    soon = _qualification(world, title="Soon", expires_on=dt.date(2026, 3, 10))
    later = _qualification(world, title="Later", expires_on=dt.date(2026, 6, 30))
    removed = _qualification(world, title="Removed", expires_on=None)
    qualification_document_remove(actor=world.bid_manager, qualification=removed)
    # then
    assert {q.title for q in selectors.current_qualifications(world.supplier)} == {"Lasting", "Soon", "Later"}
    on_expiry_day = selectors.current_qualifications(world.supplier, on=dt.date(2026, 3, 10))
    assert {q.pk for q in on_expiry_day} == {lasting.pk, soon.pk, later.pk}
    after = selectors.current_qualifications(world.supplier, on=dt.date(2026, 3, 11))
    assert {q.pk for q in after} == {lasting.pk, later.pk}
    # issued on 2026-01-15: not yet current before then
    before_issue = selectors.current_qualifications(world.supplier, on=dt.date(2026, 1, 1))
    assert {q.pk for q in before_issue} == {lasting.pk}


def test_expiring_qualifications_across_suppliers(world: World, frozen_clock: Any) -> None:
    # given
    soon = _qualification(world, title="Soon", expires_on=dt.date(2026, 3, 9))
    _qualification(world, title="Later", expires_on=dt.date(2026, 6, 30))
    _qualification(world, title="Never", expires_on=None)
    rival = qualification_document_add(
        actor=world.other_bid_manager,
        organisation=world.other_supplier,
        kind="insurance",
        title="Insurance",
        file=pdf(),
        expires_on=dt.date(2026, 3, 31),
    )
    # then
    assert selectors.expiring_qualifications() == [soon, rival]
    assert selectors.expiring_qualifications(within_days=7) == [soon]
    # a week after "Soon" expired it is still listed, unless only upcoming expiries are asked for
    later_day = dt.date(2026, 3, 17)
    assert selectors.expiring_qualifications(within_days=7, on=later_day) == [soon]
    assert selectors.expiring_qualifications(within_days=7, on=later_day, include_expired=False) == []


def test_qualification_documents_are_seen_by_the_supplier_and_platform_overseers_only(
    world: World, frozen_clock: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser

    document = _qualification(world).document
    allowed = {
        person: can_view_document(getattr(world, person), document)
        for person in [
            "bid_manager",
            "viewer",
            "admin",
            "auditor",
            "officer",
            "approver",
            "evaluator",
            "other_officer",
            "other_bid_manager",
            "reviewer",
        ]
    }
    assert allowed == {
        "bid_manager": True,
        "viewer": True,
        "admin": True,
        "auditor": True,
        "officer": False,
        "approver": False,
        "evaluator": False,
        "other_officer": False,
        "other_bid_manager": False,
        "reviewer": False,
    }
    assert can_view_document(AnonymousUser(), document) is False


def test_a_higher_app_may_let_more_people_see_qualification_documents(world: World, frozen_clock: Any) -> None:
    from procura.suppliers import access

    document = _qualification(world).document

    def buyers_of_opened_bids(user: Any, doc: Any) -> bool:
        return user == world.officer

    access.register_qualification_document_viewer(buyers_of_opened_bids)
    try:
        assert can_view_document(world.officer, document) is True
        assert can_view_document(world.other_officer, document) is False
    finally:
        access._qualification_viewers.remove(buyers_of_opened_bids)
    assert can_view_document(world.officer, document) is False
