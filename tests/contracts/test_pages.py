"""The contract through its pages: preparing it from the award, signing with a code (refused
during the standstill, with the reason), every workspace form and its errors, the public page
with progress, badges and the amendment flag, the register, the supplier's performance record
and the tender page's contracts section."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.contracts import services
from procura.contracts.models import (
    Contract,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    Milestone,
    MilestoneStatus,
    Payment,
    PerformanceRating,
    Signature,
)
from procura.contracts.panels import contracts_panel
from procura.core import clock
from procura.tenders import panels
from tests import factories
from tests.conftest import World
from tests.contracts.support import DAY, STANDSTILL, awarded, complaint_on, current_code, prepared, signed
from tests.web.support import text, wrong_code

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def _local(moment: dt.datetime) -> str:
    """A moment as a datetime-local input takes it (the platform's zone is UTC in tests)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


def _manage(contract: Contract) -> str:
    return f"/contracts/{contract.pk}/manage/"


def _sign_data(person: Any, party: str, code: str | None = None) -> dict[str, str]:
    return {
        f"sign-{party}-signed_name": person.full_name,
        f"sign-{party}-otp_code": code if code is not None else current_code(person),
    }


# --- Preparing and signing ------------------------------------------------------------------------
def test_the_officer_prepares_the_contract_from_the_award(world: World, frozen_clock: clock.Clock) -> None:
    # given
    award = awarded(world, frozen_clock, value="4321.00")
    client = world.client("officer")
    url = f"/contracts/new/{award.pk}/"
    # when the page is read, then posted with the period in the wrong order, then right
    page = client.get(url)
    start = clock.now() + 20 * DAY
    wrong = client.post(url, {"title": "", "period_start": _local(start), "period_end": _local(start)})
    right = client.post(url, {"title": "", "period_start": _local(start), "period_end": _local(start + 300 * DAY)})
    # then
    assert page.status_code == 200
    assert "Prepare the contract for Gloves" in text(page)
    assert "The standstill period runs until" in text(page)
    assert wrong.status_code == 200
    assert "There is a problem" in text(wrong)
    assert "The contract must end after it starts." in text(wrong)
    contract = Contract.objects.get()
    assert right.status_code == 302
    assert right["Location"] == f"/contracts/{contract.pk}/manage/"
    assert (contract.value_amount, contract.period_start) == (
        Decimal("4321.00"),
        start.replace(second=0, microsecond=0),
    )
    # a second visit leads to the contract
    again = client.get(url)
    assert again.status_code == 302
    assert again["Location"] == f"/contracts/{contract.pk}/manage/"


def test_signing_on_the_page_is_refused_during_the_standstill_with_the_reason(
    world: World, frozen_clock: clock.Clock
) -> None:
    # given
    contract = prepared(world, awarded(world, frozen_clock))
    client = world.client("officer")
    # when
    page = client.get(_manage(contract))
    refused = client.post(f"/contracts/{contract.pk}/signatures/buyer/", _sign_data(world.officer, "buyer"))
    # then the page says why, and the post is refused with it, signing nothing
    assert "Signature is not possible yet." in text(page)
    assert "The standstill period runs until" in text(page)
    assert refused.status_code == 200
    assert "There is a problem" in text(refused)
    assert "The standstill period runs until" in text(refused)
    assert not Signature.objects.exists()


def test_both_parties_sign_on_the_page(world: World, frozen_clock: clock.Clock) -> None:
    # given the standstill is over
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    officer, manager = world.client("officer"), world.client("bid_manager")
    # when
    first = officer.post(f"/contracts/{contract.pk}/signatures/buyer/", _sign_data(world.officer, "buyer"))
    second = manager.post(f"/contracts/{contract.pk}/signatures/supplier/", _sign_data(world.bid_manager, "supplier"))
    # then
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == f"/contracts/{contract.pk}/manage/#signatures"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    public = text(Client().get(f"/contracts/{contract.pk}/"))
    assert "Buyer: Ministry of Tests" in public
    assert "Supplier: Small Firm Ltd" in public
    assert "confirmed with a two-factor code" in public
    assert "Sterile examination gloves, nitrile, size M — 20000 unit (one)" in public
    assert contract.terms_sha256 in public


def test_a_wrong_code_is_shown_by_the_code_input(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    client = world.client("officer")
    device = TOTPDevice.objects.get(user=world.officer, confirmed=True)
    response = client.post(
        f"/contracts/{contract.pk}/signatures/buyer/", _sign_data(world.officer, "buyer", wrong_code(device))
    )
    body = text(response)
    assert response.status_code == 200
    assert 'href="#id_sign-buyer-otp_code"' in body
    assert 'id="id_sign-buyer-otp_code_error"' in body
    assert "That code is not right." in body
    assert not Signature.objects.exists()


def test_a_signer_without_an_authenticator_is_pointed_to_the_set_up(world: World, frozen_clock: clock.Clock) -> None:
    # given a supplier's bid manager who signs in without a second factor (suppliers may)
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    newcomer = factories.member(world.supplier, "bid_manager", full_name="Sam Newcomer")
    client = factories.signed_in_client(newcomer, two_factor=False)
    # when
    page = client.get(_manage(contract))
    refused = client.post(
        f"/contracts/{contract.pk}/signatures/supplier/",
        {"sign-supplier-signed_name": "Sam Newcomer", "sign-supplier-otp_code": "123456"},
    )
    # then
    assert 'href="/account/two-factor/"' in page.content.decode()
    assert "/account/two-factor/" in text(refused)
    assert not Signature.objects.exists()


def test_an_unknown_party_is_not_found(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    assert world.client("officer").post(f"/contracts/{contract.pk}/signatures/witness/", {}).status_code == 404


def test_a_complaint_suspends_signature_on_the_page(world: World, frozen_clock: clock.Clock) -> None:
    award = awarded(world, frozen_clock)
    contract = prepared(world, award)
    complaint_on(award, world)
    frozen_clock.advance(STANDSTILL + MINUTE)
    assert "A complaint about this award is under review" in text(world.client("officer").get(_manage(contract)))


def test_terms_are_edited_on_the_page_until_someone_signs(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    client = world.client("officer")
    data = {
        "terms-title": "Gloves 2026-2027",
        "terms-description": "",
        "terms-period_start": _local(contract.period_start),
        "terms-period_end": _local(contract.period_end + DAY),
    }
    assert client.post(f"/contracts/{contract.pk}/terms/", data).status_code == 302
    contract.refresh_from_db()
    assert contract.title == "Gloves 2026-2027"
    frozen_clock.advance(STANDSTILL)
    services.contract_sign(
        actor=world.officer,
        contract=contract,
        party="buyer",
        otp_code=current_code(world.officer),
        signed_name=world.officer.full_name,
    )
    assert "Save the terms" not in text(client.get(_manage(contract)))
    refused = client.post(f"/contracts/{contract.pk}/terms/", {**data, "terms-title": "Changed"})
    assert "Amend it instead" in text(refused)
    contract.refresh_from_db()
    assert contract.title == "Gloves 2026-2027"


# --- Implementation -------------------------------------------------------------------------------
def test_the_contract_is_carried_out_through_the_workspace(world: World, frozen_clock: clock.Clock) -> None:
    # given a contract in force
    contract = signed(world, frozen_clock, value="1000.00")
    officer, manager = world.client("officer"), world.client("bid_manager")
    base = f"/contracts/{contract.pk}"
    # when the officer plans a milestone
    due = contract.period_start + 30 * DAY
    added = officer.post(
        f"{base}/milestones/",
        {
            "milestone-title": "First delivery",
            "milestone-kind": "delivery",
            "milestone-due_at": _local(due),
            "milestone-value_amount": "600.00",
            "milestone-description": "",
        },
    )
    milestone = Milestone.objects.get()
    # the supplier reports it delivered and invoices it; the buyer accepts, approves and pays
    frozen_clock.set(due - DAY)
    delivered = manager.post(
        f"{base}/milestones/{milestone.pk}/delivered/", {f"deliver-{milestone.pk}-note": "All boxes"}
    )
    accepted = officer.post(f"{base}/milestones/{milestone.pk}/acceptance/", {f"accept-{milestone.pk}-status": "met"})
    invoiced = manager.post(
        f"{base}/invoices/",
        {
            "invoice-milestone": str(milestone.pk),
            "invoice-number": "F-2026-001",
            "invoice-amount": "600.00",
            "invoice-issued_on": clock.now().date().isoformat(),
        },
    )
    invoice = Invoice.objects.get()
    approved = world.client("approver").post(f"{base}/invoices/{invoice.pk}/approve/")
    paid = officer.post(
        f"{base}/payments/",
        {
            "payment-amount": "600.00",
            "payment-paid_at": _local(clock.now()),
            "payment-invoice": str(invoice.pk),
            "payment-reference": "BACS-42",
        },
    )
    # then
    assert [r.status_code for r in (added, delivered, accepted, invoiced, approved, paid)] == [302] * 6
    milestone.refresh_from_db()
    invoice.refresh_from_db()
    assert milestone.status == MilestoneStatus.MET
    assert milestone.delivery_note == "All boxes"
    assert invoice.status == InvoiceStatus.PAID
    payment = Payment.objects.get()
    assert (payment.amount, payment.reference) == (Decimal("600.00"), "BACS-42")
    # the public page shows progress and badges, not the invoice nor the payment reference
    public = Client().get(f"{base}/")
    body = text(public)
    assert "Paid £600.00 of £1,000.00 (60%)" in body
    assert '<progress id="paid-progress" max="100" value="60">' in public.content.decode()
    assert "Met on time" in body
    assert "1 milestone met on time" in body
    assert "F-2026-001" not in body
    assert "BACS-42" not in body
    # the workspace shows them to the parties
    workspace = text(manager.get(_manage(contract)))
    assert "F-2026-001" in workspace
    assert "BACS-42" in workspace
    assert "All boxes" in workspace


def test_payment_over_the_value_is_refused_on_the_page_naming_what_is_left(
    world: World, frozen_clock: clock.Clock
) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    services.payment_record(actor=world.officer, contract=contract, amount="900.00", paid_at=clock.now())
    response = world.client("officer").post(
        f"/contracts/{contract.pk}/payments/",
        {"payment-amount": "100.01", "payment-paid_at": _local(clock.now()), "payment-invoice": ""},
    )
    body = text(response)
    assert response.status_code == 200
    assert "Payments cannot exceed the contract&#x27;s value of 1000.00 GBP" in body
    assert 'id="id_payment-amount_error"' in body
    assert "At most 100.00 GBP." in body
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("milestones/", {"milestone-title": "", "milestone-kind": "x", "milestone-due_at": "soon"}, "milestone-title"),
        ("payments/", {"payment-amount": "", "payment-paid_at": ""}, "payment-amount"),
        ("amendments/", {"amend-rationale": "", "amend-value_amount": "1"}, "amend-rationale"),
        ("termination/", {"terminate-reason": ""}, "terminate-reason"),
        ("completion/", {"complete-rating": "9", "complete-comment": ""}, "complete-rating"),
    ],
)
def test_errors_are_shown_by_their_inputs(
    world: World, frozen_clock: clock.Clock, path: str, data: dict[str, str], field: str
) -> None:
    contract = signed(world, frozen_clock)
    response = world.client("officer").post(f"/contracts/{contract.pk}/{path}", data)
    body = text(response)
    assert response.status_code == 200
    assert "There is a problem" in body
    assert f'id="id_{field}' in body
    assert f"id_{field}" in body.split("There is a problem")[1]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE


def test_an_invoice_is_rejected_with_the_reason(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = services.milestone_add(
        actor=world.officer, contract=contract, title="M", kind="delivery", due_at=contract.period_end
    )
    invoice = services.invoice_submit(
        actor=world.bid_manager,
        contract=contract,
        milestone=milestone,
        number="F-1",
        amount="10.00",
        issued_on=clock.now().date(),
    )
    client = world.client("officer")
    empty = client.post(f"/contracts/{contract.pk}/invoices/{invoice.pk}/reject/", {f"reject-{invoice.pk}-reason": ""})
    assert "Say why the invoice is rejected" in text(empty)
    done = client.post(
        f"/contracts/{contract.pk}/invoices/{invoice.pk}/reject/", {f"reject-{invoice.pk}-reason": "Wrong PO number"}
    )
    assert done.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.rejection_reason) == (InvoiceStatus.REJECTED, "Wrong PO number")
    again = client.post(f"/contracts/{contract.pk}/invoices/{invoice.pk}/approve/", follow=True)
    assert "already been decided" in text(again)


def test_an_amendment_over_the_threshold_is_flagged_publicly(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    client = world.client("officer")
    small = client.post(
        f"/contracts/{contract.pk}/amendments/", {"amend-value_amount": "1100.00", "amend-rationale": "Ten percent"}
    )
    public = text(Client().get(f"/contracts/{contract.pk}/"))
    assert small.status_code == 302
    assert "Exceeds 10% of the original value" not in public
    assert "10% of the original value" in public
    client.post(f"/contracts/{contract.pk}/amendments/", {"amend-value_amount": "1100.01", "amend-rationale": "A cent"})
    public = text(Client().get(f"/contracts/{contract.pk}/"))
    assert "Exceeds 10% of the original value" in public
    assert "10.01% of the original value" in public
    assert "originally £1,000.00" in public


def test_completion_and_the_performance_record(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    other = signed(world, frozen_clock)
    client = world.client("officer")
    done = client.post(
        f"/contracts/{contract.pk}/completion/", {"complete-rating": "4", "complete-comment": "Reliable, one delay."}
    )
    ended = client.post(f"/contracts/{other.pk}/termination/", {"terminate-reason": "Stopped deliveries."})
    assert (done.status_code, ended.status_code) == (302, 302)
    assert PerformanceRating.objects.get().score == 4
    public = text(Client().get(f"/contracts/{contract.pk}/"))
    assert "4 out of 5" in public
    assert "Reliable, one delay." in public
    record = text(Client().get(f"/contracts/suppliers/{world.supplier.pk}/performance/"))
    assert "Performance record of Small Firm Ltd" in record
    assert "4.0 out of 5, from 1 rating(s)" in record
    assert "Reliable, one delay." in record
    assert "Stopped deliveries." in record
    assert "Termination" in text(Client().get(f"/contracts/{other.pk}/"))


def test_the_performance_record_is_only_of_suppliers(world: World) -> None:
    assert Client().get(f"/contracts/suppliers/{world.buyer.pk}/performance/").status_code == 404


# --- The register and the tender page -------------------------------------------------------------
def test_the_register_filters_by_buyer_supplier_and_status(world: World, frozen_clock: clock.Clock) -> None:
    active = signed(world, frozen_clock)
    pending = prepared(world, awarded(world, frozen_clock))
    services.contract_update_terms(actor=world.officer, contract=pending, title="Pending gloves")
    Contract.objects.filter(pk=active.pk).update(title="Active gloves")
    client = Client()
    everything = text(client.get("/contracts/"))
    only_active = text(client.get("/contracts/", {"status": "active"}))
    by_supplier = text(client.get("/contracts/", {"supplier": str(world.supplier.pk), "status": "pending"}))
    by_buyer = text(client.get("/contracts/", {"buyer": str(world.buyer.pk)}))
    assert "Pending gloves" in everything
    assert "Active gloves" in everything
    assert "Active gloves" in only_active
    assert "Pending gloves" not in only_active
    assert "Pending gloves" in by_supplier
    assert "Active gloves" not in by_supplier
    assert "Pending gloves" in by_buyer
    nonsense = client.get("/contracts/", {"status": "nonsense"})
    assert nonsense.status_code == 200
    assert "There is a problem" in text(nonsense)
    assert "Active gloves" not in text(nonsense)
    assert client.get("/contracts/", {"cursor": "???"}).status_code == 404
    # a supplier without contracts, linked from its record, is a filter that finds none
    rival = client.get("/contracts/", {"supplier": str(world.other_supplier.pk)})
    assert "No contract matches these filters." in text(rival)


def test_the_tender_page_lists_its_contracts(world: World, frozen_clock: clock.Clock, monkeypatch: Any) -> None:
    # given the panel registered (as ContractsConfig.ready does)
    monkeypatch.setattr(panels, "_panels", list(panels._panels))
    panels.register_tender_panel("contracts", contracts_panel, order=40)
    award = awarded(world, frozen_clock)
    url = f"/tenders/{award.tender.ocid}/"
    # before the contract: the officer is offered to prepare it, the public sees no section
    officer = world.client("officer").get(url).content.decode()
    public = Client().get(url).content.decode()
    assert f"/contracts/new/{award.pk}/" in officer
    assert 'id="contracts-title"' not in public
    # after it: everyone sees the contract
    contract = prepared(world, award)
    public = Client().get(url).content.decode()
    assert f"/contracts/{contract.pk}/" in public
    assert f"/contracts/new/{award.pk}/" not in world.client("officer").get(url).content.decode()


def test_an_overseer_reads_the_workspace_without_forms(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    body = text(world.client("auditor").get(_manage(contract)))
    assert "You are reading this workspace as an overseer" in body
    assert "<form" not in body.split("</header>")[1].split("<footer")[0].replace('class="tool-form"', "")
