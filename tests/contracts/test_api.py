"""The contracts API beyond who may call it (tests/contracts/test_api_matrix.py): errors named by
the body's fields, the signature rules over the API, a retried payment that is not paid twice,
the register's filters and pages, and Bearer tokens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.contracts import services
from procura.contracts.models import Contract, Payment, Signature
from procura.core import clock
from tests.conftest import World
from tests.contracts.support import DAY, STANDSTILL, awarded, current_code, prepared, signed
from tests.tenders.test_api import bearer, error_of, send
from tests.web.support import wrong_code

pytestmark = pytest.mark.django_db


def test_the_officer_prepares_a_contract_over_the_api(world: World, frozen_clock: clock.Clock) -> None:
    award = awarded(world, frozen_clock, value="2500.00")
    start = clock.now() + 20 * DAY
    body = {"period_start": start.isoformat(), "period_end": (start + 365 * DAY).isoformat()}
    response = send(world.client("officer"), "POST", f"/api/v1/awards/{award.pk}/contract", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["value"], data["local_id"]) == (
        "pending",
        {"amount": "2500.00", "currency": "GBP"},
        "contract-1",
    )
    assert data["supplier"]["name"] == "Small Firm Ltd"
    assert [i["id"] for i in data["items"]] == ["ITEM-1"]
    again = send(world.client("officer"), "POST", f"/api/v1/awards/{award.pk}/contract", body)
    assert again.status_code == 409


def test_naive_times_and_unknown_awards_are_refused(world: World, frozen_clock: clock.Clock) -> None:
    award = awarded(world, frozen_clock)
    client = world.client("officer")
    naive = send(
        client,
        "POST",
        f"/api/v1/awards/{award.pk}/contract",
        {"period_start": "2027-01-01T00:00:00", "period_end": "2028-01-01T00:00:00Z"},
    )
    assert naive.status_code == 422
    assert set(error_of(naive)["fields"]) == {"period_start"}
    unknown = send(
        client,
        "POST",
        "/api/v1/awards/00000000-0000-0000-0000-000000000000/contract",
        {"period_start": "2027-01-01T00:00:00Z", "period_end": "2028-01-01T00:00:00Z"},
    )
    assert unknown.status_code == 404
    assert send(client, "GET", "/api/v1/contracts/00000000-0000-0000-0000-000000000000").status_code == 404


def test_signing_over_the_api_follows_the_same_rules(world: World, frozen_clock: clock.Clock) -> None:
    # given a contract during its standstill
    contract = prepared(world, awarded(world, frozen_clock))
    client = world.client("officer")
    url = f"/api/v1/contracts/{contract.pk}/signatures"

    def body(code: str) -> dict[str, str]:
        return {"party": "buyer", "signed_name": world.officer.full_name, "otp_code": code}

    # when signed during the standstill, then with a wrong code after it, then rightly
    early = send(client, "POST", url, body(current_code(world.officer)))
    frozen_clock.advance(STANDSTILL)
    device = TOTPDevice.objects.get(user=world.officer, confirmed=True)
    wrong = send(client, "POST", url, body(wrong_code(device)))
    right = send(client, "POST", url, body(current_code(world.officer)))
    # then
    assert early.status_code == 422
    assert error_of(early)["code"] == "rule_violation"
    assert "standstill" in error_of(early)["message"]
    assert wrong.status_code == 422
    assert set(error_of(wrong)["fields"]) == {"otp_code"}
    assert right.status_code == 201
    assert right.json()["party"] == "buyer"
    assert right.json()["second_factor"] == "totp"
    assert Signature.objects.count() == 1


def test_an_idempotency_key_is_no_way_around_the_wrong_code_throttle(world: World, frozen_clock: clock.Clock) -> None:
    # given a contract past its standstill
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    client = world.client("officer")
    url = f"/api/v1/contracts/{contract.pk}/signatures"
    current_code(world.officer)
    device = TOTPDevice.objects.get(user=world.officer, confirmed=True)
    body = {"party": "buyer", "signed_name": world.officer.full_name, "otp_code": wrong_code(device)}
    # when a wrong code is sent with a fresh Idempotency-Key each time
    first = send(client, "POST", url, body, HTTP_IDEMPOTENCY_KEY="try-1")
    second = send(client, "POST", url, body, HTTP_IDEMPOTENCY_KEY="try-2")
    # then each wrong code counts, and the second is throttled as it would be without the header
    assert (first.status_code, second.status_code) == (422, 422)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert "Too many wrong codes" in error_of(second)["fields"]["otp_code"][0]
    assert not Signature.objects.exists()


def test_a_token_with_only_read_access_signs_nothing(world: World, frozen_clock: clock.Clock) -> None:
    contract = prepared(world, awarded(world, frozen_clock))
    frozen_clock.advance(STANDSTILL)
    body = {"party": "buyer", "signed_name": world.officer.full_name, "otp_code": current_code(world.officer)}
    read_only = send(bearer(world, "officer", ("read",)), "POST", f"/api/v1/contracts/{contract.pk}/signatures", body)
    assert read_only.status_code == 403
    token = send(bearer(world, "officer"), "POST", f"/api/v1/contracts/{contract.pk}/signatures", body)
    assert token.status_code == 201
    assert Signature.objects.count() == 1


def test_a_retried_payment_is_paid_once(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    client = world.client("officer")
    body = {"amount": "600.00", "paid_at": clock.now().isoformat()}
    url = f"/api/v1/contracts/{contract.pk}/payments"
    first = send(client, "POST", url, body, HTTP_IDEMPOTENCY_KEY="pay-600-1")
    retry = send(client, "POST", url, body, HTTP_IDEMPOTENCY_KEY="pay-600-1")
    another = send(client, "POST", url, body, HTTP_IDEMPOTENCY_KEY="pay-600-2")
    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json()["id"] == retry.json()["id"]
    assert another.status_code == 422
    assert set(error_of(another)["fields"]) == {"amount"}
    assert "400.00 GBP" in error_of(another)["message"]
    assert Payment.objects.filter(contract=contract).count() == 1


def test_references_to_other_contracts_are_refused_by_their_field(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    other = signed(world, frozen_clock)
    milestone = services.milestone_add(
        actor=world.officer, contract=other, title="M", kind="delivery", due_at=other.period_end
    )
    invoice = services.invoice_submit(
        actor=world.bid_manager,
        contract=other,
        milestone=milestone,
        number="X-1",
        amount="1.00",
        issued_on=clock.now().date(),
    )
    invoiced = send(
        world.client("bid_manager"),
        "POST",
        f"/api/v1/contracts/{contract.pk}/invoices",
        {"milestone": str(milestone.pk), "number": "A", "amount": "1.00", "issued_on": clock.now().date().isoformat()},
    )
    paid = send(
        world.client("officer"),
        "POST",
        f"/api/v1/contracts/{contract.pk}/payments",
        {"amount": "1.00", "paid_at": clock.now().isoformat(), "invoice": str(invoice.pk)},
    )
    elsewhere = send(world.client("officer"), "POST", f"/api/v1/contracts/{contract.pk}/invoices/{invoice.pk}/approve")
    assert invoiced.status_code == 422
    assert set(error_of(invoiced)["fields"]) == {"milestone"}
    assert paid.status_code == 422
    assert set(error_of(paid)["fields"]) == {"invoice"}
    assert elsewhere.status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("milestones", {"title": "T\x00", "kind": "delivery", "due_at": "2030-01-01T00:00:00Z"}, "title"),
        ("milestones", {"title": "T", "kind": "party", "due_at": "2030-01-01T00:00:00Z"}, "kind"),
        (
            "milestones",
            {"title": "T", "kind": "delivery", "due_at": "2030-01-01T00:00:00Z", "value_amount": "NaN"},
            "value_amount",
        ),
        ("payments", {"amount": "1e400", "paid_at": "2020-01-01T00:00:00Z"}, "amount"),
        ("payments", {"amount": "Infinity", "paid_at": "2020-01-01T00:00:00Z"}, "amount"),
        ("amendments", {"rationale": "", "value_amount": "5"}, "rationale"),
        ("completion", {"rating": 7, "comment": "c"}, "rating"),
        ("termination", {"reason": " "}, "reason"),
    ],
)
def test_bad_values_are_named_never_a_server_error(
    world: World, frozen_clock: clock.Clock, path: str, body: dict[str, object], field: str
) -> None:
    contract = signed(world, frozen_clock)
    response = send(world.client("officer"), "POST", f"/api/v1/contracts/{contract.pk}/{path}", body)
    assert response.status_code == 422, response.content
    assert field in error_of(response)["fields"]


def test_the_public_reads_the_contract_without_the_parties_papers(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock, value="1000.00")
    services.payment_record(
        actor=world.officer, contract=contract, amount="250.00", paid_at=clock.now(), reference="BACS-1"
    )
    services.contract_amend(actor=world.officer, contract=contract, rationale="More", value_amount="1100.01")
    public = Client().get(f"/api/v1/contracts/{contract.pk}").json()
    party = world.client("bid_manager").get(f"/api/v1/contracts/{contract.pk}").json()
    assert public["invoices"] is None
    assert public["payments"][0]["reference"] is None
    assert party["invoices"] == []
    assert party["payments"][0]["reference"] == "BACS-1"
    assert public["progress"]["paid"] == {"amount": "250.00", "currency": "GBP"}
    assert public["progress"]["paid_percent"] == 22
    assert public["amendments"][0]["exceeds_threshold"] is True
    assert public["amendments"][0]["cumulative_share"] == "0.1001"
    assert public["original_value"]["amount"] == "1000.00"
    assert public["value"]["amount"] == "1100.01"


def test_the_register_filters_and_pages(world: World, frozen_clock: clock.Clock) -> None:
    first = signed(world, frozen_clock)
    second = prepared(world, awarded(world, frozen_clock))
    client = Client()
    everything = client.get("/api/v1/contracts", {"limit": 1}).json()
    assert [c["id"] for c in everything["results"]] == [str(second.pk)]
    following = client.get("/api/v1/contracts", {"limit": 1, "cursor": everything["next_cursor"]}).json()
    assert [c["id"] for c in following["results"]] == [str(first.pk)]
    assert following["next_cursor"] is None
    active = client.get("/api/v1/contracts", {"status": "active"}).json()
    assert [c["id"] for c in active["results"]] == [str(first.pk)]
    rival = client.get("/api/v1/contracts", {"supplier": str(world.other_supplier.pk)}).json()
    assert rival["results"] == []
    assert client.get("/api/v1/contracts", {"status": "nonsense"}).status_code == 422


def test_the_milestone_standing_follows_the_clock(world: World, frozen_clock: clock.Clock) -> None:
    contract = signed(world, frozen_clock)
    milestone = services.milestone_add(
        actor=world.officer, contract=contract, title="M", kind="delivery", due_at=contract.period_start
    )
    url = f"/api/v1/contracts/{contract.pk}"
    assert Client().get(url).json()["milestones"][0]["standing"] == "scheduled"
    frozen_clock.set(milestone.due_at + dt.timedelta(seconds=1))
    assert Client().get(url).json()["milestones"][0]["standing"] == "late"
    assert Contract.objects.get(pk=contract.pk).value_amount == Decimal("1000.00")
