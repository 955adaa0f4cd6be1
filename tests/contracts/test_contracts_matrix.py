"""Authorization matrix of the contract pages: every page and action, for every person, with the
exact outcome; for actions, that the change happened exactly when it was allowed; for pages,
that an invoice's number and a payment's reference reach only the parties and the overseers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from procura.accounts.models import User
from procura.contracts.models import Contract, ContractStatus, InvoiceStatus, MilestoneStatus, Payment
from procura.core import clock
from tests.conftest import PEOPLE, World
from tests.contracts.support import Scene, current_code
from tests.savepoints import rolled_back

pytestmark = pytest.mark.django_db

# Read by tests/web/test_authorization_matrix.py: named URLs this table covers.
COVERED_URL_NAMES = {
    "contract-list",
    "contract",
    "supplier-performance",
    "contract-manage",
    "contract-new",
    "contract-terms",
    "contract-sign",
    "contract-milestone-add",
    "contract-milestone-deliver",
    "contract-milestone-accept",
    "contract-invoice-submit",
    "contract-invoice-approve",
    "contract-invoice-reject",
    "contract-payment-record",
    "contract-amend",
    "contract-terminate",
    "contract-complete",
}

SIGN_IN = "sign-in"
WORKSPACE = frozenset({"officer", "approver", "evaluator", "bid_manager", "viewer", "admin", "auditor"})

EVERYONE: dict[str, int | str] = dict.fromkeys(PEOPLE, 200)
# The workspace: both parties' members and the overseers; everyone else signed in is refused.
WORKSPACE_READS: dict[str, int | str] = {
    **{p: 200 if p in WORKSPACE else 403 for p in PEOPLE},
    "anonymous": SIGN_IN,
}


def _only(*allowed: str, status: int = 302) -> dict[str, int | str]:
    """An action: `allowed` succeed, anonymous is asked to sign in, everyone else gets 403."""
    return {p: SIGN_IN if p == "anonymous" else status if p in allowed else 403 for p in PEOPLE}


@dataclass(frozen=True)
class Row:
    name: str  # URL name
    method: str
    url: Callable[[Scene], str]
    expected: dict[str, int | str]
    data: Callable[[Scene, User | None], dict[str, str]] | None = None
    done: Callable[[Scene], bool] | None = None  # the change happened (exactly when a 302 is expected)
    reveals: frozenset[str] = frozenset()  # a page: who reads the invoice number and payment reference


def _active(s: Scene) -> Contract:
    return Contract.objects.get(pk=s.active.pk)


def _sign(party: str) -> Callable[[Scene, User | None], dict[str, str]]:
    def data(s: Scene, person: User | None) -> dict[str, str]:
        code = current_code(person) if person is not None else "000000"
        name = person.full_name if person is not None else ""
        return {f"sign-{party}-signed_name": name, f"sign-{party}-otp_code": code}

    return data


def _local(s: Scene) -> str:
    return clock.now().strftime("%Y-%m-%dT%H:%M")


ROWS = [
    Row("contract-list", "GET", lambda s: "/contracts/", EVERYONE),
    Row("contract", "GET", lambda s: f"/contracts/{s.active.pk}/", EVERYONE),
    Row("supplier-performance", "GET", lambda s: f"/contracts/suppliers/{s.world.supplier.pk}/performance/", EVERYONE),
    Row("contract-manage", "GET", lambda s: f"/contracts/{s.active.pk}/manage/", WORKSPACE_READS, reveals=WORKSPACE),
    Row("contract-new", "GET", lambda s: f"/contracts/new/{s.award.pk}/", _only("officer", status=200)),
    Row(
        "contract-new",
        "POST",
        lambda s: f"/contracts/new/{s.award.pk}/",
        _only("officer"),
        data=lambda s, p: {
            "title": "",
            "period_start": _local(s),
            "period_end": (clock.now().replace(year=clock.now().year + 1)).strftime("%Y-%m-%dT%H:%M"),
        },
        done=lambda s: Contract.objects.filter(award=s.award).exists(),
    ),
    Row(
        "contract-terms",
        "POST",
        lambda s: f"/contracts/{s.pending.pk}/terms/",
        _only("officer"),
        data=lambda s, p: {
            "terms-title": "Renamed",
            "terms-description": "",
            "terms-period_start": s.pending.period_start.strftime("%Y-%m-%dT%H:%M"),
            "terms-period_end": s.pending.period_end.strftime("%Y-%m-%dT%H:%M"),
        },
        done=lambda s: Contract.objects.get(pk=s.pending.pk).title == "Renamed",
    ),
    Row(
        "contract-sign",
        "POST",
        lambda s: f"/contracts/{s.pending.pk}/signatures/buyer/",
        _only("officer", "approver"),
        data=_sign("buyer"),
        done=lambda s: s.pending.signatures.filter(party="buyer").exists(),
    ),
    Row(
        "contract-sign",
        "POST",
        lambda s: f"/contracts/{s.pending.pk}/signatures/supplier/",
        _only("bid_manager"),
        data=_sign("supplier"),
        done=lambda s: s.pending.signatures.filter(party="supplier").exists(),
    ),
    Row(
        "contract-milestone-add",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/milestones/",
        _only("officer"),
        data=lambda s, p: {
            "milestone-title": "Added",
            "milestone-kind": "reporting",
            "milestone-due_at": s.active.period_end.strftime("%Y-%m-%dT%H:%M"),
        },
        done=lambda s: s.active.milestones.filter(title="Added").exists(),
    ),
    Row(
        "contract-milestone-deliver",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/milestones/{s.milestone.pk}/delivered/",
        _only("bid_manager"),
        data=lambda s, p: {f"deliver-{s.milestone.pk}-note": "Done"},
        done=lambda s: s.milestone.delivered_at is not None,
    ),
    Row(
        "contract-milestone-accept",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/milestones/{s.milestone.pk}/acceptance/",
        _only("officer"),
        data=lambda s, p: {f"accept-{s.milestone.pk}-status": "met"},
        done=lambda s: s.milestone.status == MilestoneStatus.MET,
    ),
    Row(
        "contract-invoice-submit",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/invoices/",
        _only("bid_manager"),
        data=lambda s, p: {
            "invoice-milestone": str(s.milestone.pk),
            "invoice-number": "INV-NEW",
            "invoice-amount": "10.00",
            "invoice-issued_on": clock.now().date().isoformat(),
        },
        done=lambda s: s.active.invoices.filter(number="INV-NEW").exists(),
    ),
    Row(
        "contract-invoice-approve",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/invoices/{s.invoice.pk}/approve/",
        _only("officer", "approver"),
        done=lambda s: s.invoice.status == InvoiceStatus.APPROVED,
    ),
    Row(
        "contract-invoice-reject",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/invoices/{s.invoice.pk}/reject/",
        _only("officer", "approver"),
        data=lambda s, p: {f"reject-{s.invoice.pk}-reason": "Wrong order number"},
        done=lambda s: s.invoice.status == InvoiceStatus.REJECTED,
    ),
    Row(
        "contract-payment-record",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/payments/",
        _only("officer", "approver"),
        data=lambda s, p: {"payment-amount": "5.00", "payment-paid_at": _local(s), "payment-reference": "NEW-PAY"},
        done=lambda s: Payment.objects.filter(reference="NEW-PAY").exists(),
    ),
    Row(
        "contract-amend",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/amendments/",
        _only("officer"),
        data=lambda s, p: {"amend-value_amount": "1200.00", "amend-rationale": "More sites"},
        done=lambda s: s.active.amendments.exists(),
    ),
    Row(
        "contract-terminate",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/termination/",
        _only("officer"),
        data=lambda s, p: {"terminate-reason": "Stopped"},
        done=lambda s: _active(s).status == ContractStatus.TERMINATED,
    ),
    Row(
        "contract-complete",
        "POST",
        lambda s: f"/contracts/{s.active.pk}/completion/",
        _only("officer"),
        data=lambda s, p: {"complete-rating": "5", "complete-comment": "Excellent"},
        done=lambda s: _active(s).status == ContractStatus.COMPLETED,
    ),
]


def _row_id(row: Row) -> str:
    return f"{row.method} {row.name} {row.url.__code__.co_firstlineno}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_contract_pages_matrix(world: World, frozen_clock: clock.Clock, row: Row) -> None:
    # given the row's scene, made once (the standstill the scene waits out included); each person
    # then acts on it in a savepoint undone after
    scene = Scene(world, frozen_clock)
    url = row.url(scene)
    if row.data is not None:
        row.data(scene, None)  # whatever the form reads exists before the first savepoint
    if row.done is not None:
        row.done(scene)
    for person in PEOPLE:
        with rolled_back(person):
            user = None if person == "anonymous" else getattr(world, person)
            client = world.client(None if person == "anonymous" else person)
            # a person's authenticator code is made (and its device reset) in their savepoint
            data = row.data(scene, user) if row.data is not None else {}
            # when
            response = client.get(url) if row.method == "GET" else client.post(url, data)
            # then
            expected = row.expected[person]
            if expected == SIGN_IN:
                assert response.status_code == 302
                assert response["Location"].startswith("/account/sign-in/")
            else:
                assert response.status_code == expected, response.content.decode()[:800]
            if row.done is not None:
                assert row.done(scene) is (expected == 302), "the change must happen exactly when allowed"
            if row.method == "GET" and scene._active is not None:
                body = response.content.decode()
                for secret in (Scene.SECRET_INVOICE, Scene.SECRET_REFERENCE):
                    assert (secret in body) is (person in row.reveals), (secret, person)


def test_every_contract_url_has_a_row() -> None:
    from procura.contracts import urls

    names = {pattern.name for pattern in urls.urlpatterns}
    assert names == COVERED_URL_NAMES == {row.name for row in ROWS}
