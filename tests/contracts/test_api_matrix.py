"""Authorization matrix of the contracts API: every endpoint × every person, with exact status
codes; for writes, that the change happened exactly when allowed; for reads, that nothing
changed and that an invoice's number and a payment's reference reach only the parties and the
platform's overseers.

People sign in with a browser session (two-factor verified). The API's URL names are not checked
by tests/web/test_authorization_matrix.py, so this module declares COVERED_API_OPERATIONS, which
tests/api/test_api_authorization.py collects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from procura.accounts.models import User
from procura.audit.models import AuditEntry
from procura.contracts.models import (
    Contract,
    ContractAmendment,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    Milestone,
    MilestoneStatus,
    Payment,
    Signature,
)
from procura.core import clock
from procura.core.models import IdempotencyRecord
from tests.conftest import PEOPLE, World
from tests.contracts.support import Scene, current_code
from tests.savepoints import rolled_back
from tests.tenders.test_api import send

pytestmark = pytest.mark.django_db

WORKSPACE = frozenset({"officer", "approver", "evaluator", "bid_manager", "viewer", "admin", "auditor"})


@dataclass
class Case:
    url: str
    body: Callable[[User | None], dict[str, Any]] | None = None
    wrote: Callable[[], bool] | None = None  # None: a read
    reveals_to: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # OpenAPI path template
    expected: dict[str, int]
    prepare: Callable[[Scene], Case]


def _everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PEOPLE, status)


def _only(*allowed: str, status: int) -> dict[str, int]:
    return {p: 401 if p == "anonymous" else status if p in allowed else 403 for p in PEOPLE}


def _iso(moment: Any) -> str:
    return moment.isoformat()


def _list(s: Scene) -> Case:
    assert s.active.pk is not None
    return Case("/api/v1/contracts")


def _detail(s: Scene) -> Case:
    return Case(f"/api/v1/contracts/{s.active.pk}", reveals_to=WORKSPACE)


def _create(s: Scene) -> Case:
    award = s.award
    return Case(
        f"/api/v1/awards/{award.pk}/contract",
        lambda p: {"period_start": _iso(clock.now()), "period_end": _iso(clock.now().replace(year=2030))},
        wrote=lambda: Contract.objects.filter(award=award).exists(),
    )


def _terms(s: Scene) -> Case:
    contract = s.pending
    return Case(
        f"/api/v1/contracts/{contract.pk}",
        lambda p: {"title": "Renamed"},
        wrote=lambda: Contract.objects.get(pk=contract.pk).title == "Renamed",
    )


def _signature(party: str) -> Callable[[Scene], Case]:
    def prepare(s: Scene) -> Case:
        contract = s.pending

        def body(person: User | None) -> dict[str, Any]:
            code = current_code(person) if person is not None else "000000"
            return {"party": party, "signed_name": "Test Person", "otp_code": code}

        return Case(
            f"/api/v1/contracts/{contract.pk}/signatures",
            body,
            wrote=lambda: Signature.objects.filter(contract=contract, party=party).exists(),
        )

    prepare.__name__ = f"_sign_{party}"
    return prepare


def _milestone_add(s: Scene) -> Case:
    contract = s.active
    return Case(
        f"/api/v1/contracts/{contract.pk}/milestones",
        lambda p: {"title": "Added", "kind": "reporting", "due_at": _iso(contract.period_end)},
        wrote=lambda: Milestone.objects.filter(contract=contract, title="Added").exists(),
    )


def _delivered(s: Scene) -> Case:
    milestone = s.milestone
    return Case(
        f"/api/v1/contracts/{s.active.pk}/milestones/{milestone.pk}/delivered",
        lambda p: {"note": "Done"},
        wrote=lambda: Milestone.objects.get(pk=milestone.pk).delivered_at is not None,
    )


def _acceptance(s: Scene) -> Case:
    milestone = s.milestone
    return Case(
        f"/api/v1/contracts/{s.active.pk}/milestones/{milestone.pk}/acceptance",
        lambda p: {"status": "met"},
        wrote=lambda: Milestone.objects.get(pk=milestone.pk).status == MilestoneStatus.MET,
    )


def _invoice(s: Scene) -> Case:
    milestone = s.milestone
    return Case(
        f"/api/v1/contracts/{s.active.pk}/invoices",
        lambda p: {
            "milestone": str(milestone.pk),
            "number": "INV-NEW",
            "amount": "10.00",
            "issued_on": clock.now().date().isoformat(),
        },
        wrote=lambda: Invoice.objects.filter(number="INV-NEW").exists(),
    )


def _approve(s: Scene) -> Case:
    invoice = s.invoice
    return Case(
        f"/api/v1/contracts/{s.active.pk}/invoices/{invoice.pk}/approve",
        wrote=lambda: Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.APPROVED,
    )


def _reject(s: Scene) -> Case:
    invoice = s.invoice
    return Case(
        f"/api/v1/contracts/{s.active.pk}/invoices/{invoice.pk}/reject",
        lambda p: {"reason": "Wrong order number"},
        wrote=lambda: Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.REJECTED,
    )


def _payment(s: Scene) -> Case:
    contract = s.active
    return Case(
        f"/api/v1/contracts/{contract.pk}/payments",
        lambda p: {"amount": "5.00", "paid_at": _iso(clock.now()), "reference": "NEW-PAY"},
        wrote=lambda: Payment.objects.filter(reference="NEW-PAY").exists(),
    )


def _amendment(s: Scene) -> Case:
    contract = s.active
    return Case(
        f"/api/v1/contracts/{contract.pk}/amendments",
        lambda p: {"rationale": "More sites", "value_amount": "1200.00"},
        wrote=lambda: ContractAmendment.objects.filter(contract=contract).exists(),
    )


def _termination(s: Scene) -> Case:
    contract = s.active
    return Case(
        f"/api/v1/contracts/{contract.pk}/termination",
        lambda p: {"reason": "Stopped"},
        wrote=lambda: Contract.objects.get(pk=contract.pk).status == ContractStatus.TERMINATED,
    )


def _completion(s: Scene) -> Case:
    contract = s.active
    return Case(
        f"/api/v1/contracts/{contract.pk}/completion",
        lambda p: {"rating": 5, "comment": "Excellent"},
        wrote=lambda: Contract.objects.get(pk=contract.pk).status == ContractStatus.COMPLETED,
    )


PAYERS = ("officer", "approver")
ROWS = [
    Row("GET", "/api/v1/contracts", _everyone(200), _list),
    Row("GET", "/api/v1/contracts/{contract_id}", _everyone(200), _detail),
    Row("POST", "/api/v1/awards/{award_id}/contract", _only("officer", status=201), _create),
    Row("PATCH", "/api/v1/contracts/{contract_id}", _only("officer", status=200), _terms),
    Row("POST", "/api/v1/contracts/{contract_id}/signatures", _only(*PAYERS, status=201), _signature("buyer")),
    Row("POST", "/api/v1/contracts/{contract_id}/signatures", _only("bid_manager", status=201), _signature("supplier")),
    Row("POST", "/api/v1/contracts/{contract_id}/milestones", _only("officer", status=201), _milestone_add),
    Row(
        "POST",
        "/api/v1/contracts/{contract_id}/milestones/{milestone_id}/delivered",
        _only("bid_manager", status=200),
        _delivered,
    ),
    Row(
        "POST",
        "/api/v1/contracts/{contract_id}/milestones/{milestone_id}/acceptance",
        _only("officer", status=200),
        _acceptance,
    ),
    Row("POST", "/api/v1/contracts/{contract_id}/invoices", _only("bid_manager", status=201), _invoice),
    Row("POST", "/api/v1/contracts/{contract_id}/invoices/{invoice_id}/approve", _only(*PAYERS, status=200), _approve),
    Row("POST", "/api/v1/contracts/{contract_id}/invoices/{invoice_id}/reject", _only(*PAYERS, status=200), _reject),
    Row("POST", "/api/v1/contracts/{contract_id}/payments", _only(*PAYERS, status=201), _payment),
    Row("POST", "/api/v1/contracts/{contract_id}/amendments", _only("officer", status=201), _amendment),
    Row("POST", "/api/v1/contracts/{contract_id}/termination", _only("officer", status=200), _termination),
    Row("POST", "/api/v1/contracts/{contract_id}/completion", _only("officer", status=200), _completion),
]

# Read by tests/api/test_api_authorization.py: the API operations this table covers.
COVERED_API_OPERATIONS = {(row.method, row.path) for row in ROWS}


def _stored() -> tuple[int, ...]:
    return (
        Contract.objects.count(),
        Signature.objects.count(),
        Milestone.objects.count(),
        Invoice.objects.count(),
        Payment.objects.count(),
        ContractAmendment.objects.count(),
        AuditEntry.objects.count(),
        IdempotencyRecord.objects.count(),
    )


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.method} {r.path} {r.prepare.__name__.strip('_')}")
def test_contracts_api_matrix(world: World, frozen_clock: clock.Clock, row: Row) -> None:
    # given the row's scene, made once (the standstill the scene waits out included); each person
    # then acts on it in a savepoint undone after
    scene = Scene(world, frozen_clock)
    case = row.prepare(scene)
    if case.body is not None:
        case.body(None)  # whatever the body reads exists before the first savepoint
    if case.wrote is not None:
        case.wrote()
    for person in PEOPLE:
        with rolled_back(person):
            user = None if person == "anonymous" else getattr(world, person)
            client = Client() if person == "anonymous" else world.client(person)
            # a person's authenticator code is made (and its device reset) in their savepoint
            body = case.body(user) if case.body is not None else None
            before = _stored()
            # when
            response = send(client, row.method, case.url, body)
            # then
            assert response.status_code == row.expected[person], response.content
            if response.status_code >= 400:
                assert set(response.json()["error"]) == {"code", "message", "fields"}
            if case.wrote is None:
                assert _stored() == before
                for secret in (Scene.SECRET_INVOICE, Scene.SECRET_REFERENCE):
                    assert (secret.encode() in response.content) is (person in case.reveals_to), (secret, person)
            else:
                assert case.wrote() is (response.status_code < 300)


def test_every_contracts_operation_has_a_row() -> None:
    from procura.api import api

    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "contracts" in operation.get("tags", [])
    }
    assert operations == COVERED_API_OPERATIONS
