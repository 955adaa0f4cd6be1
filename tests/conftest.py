"""Shared fixtures: the clock, mail, and the people of the authorization matrix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from procura.core import clock
from tests import factories


@pytest.fixture
def frozen_clock() -> Iterator[clock.Clock]:
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)) as handle:
        yield handle


@pytest.fixture(autouse=True)
def _locmem_email(settings: pytest.FixtureRequest) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]


@dataclass
class World:
    """The organisations and people every authorization-matrix test uses."""

    buyer: Organisation
    other_buyer: Organisation
    supplier: Organisation
    other_supplier: Organisation
    officer: User
    approver: User
    evaluator: User
    other_officer: User
    bid_manager: User
    viewer: User
    other_bid_manager: User
    admin: User
    auditor: User
    reviewer: User

    def client(self, who: str | None) -> Client:
        if who is None:
            return Client()
        return factories.signed_in_client(getattr(self, who))


@pytest.fixture
def world(db: None) -> World:
    buyer = factories.organisation(OrganisationKind.BUYER, name="Ministry of Tests")
    other_buyer = factories.organisation(OrganisationKind.BUYER, name="Other Council")
    supplier = factories.organisation(OrganisationKind.SUPPLIER, name="Small Firm Ltd")
    other_supplier = factories.organisation(OrganisationKind.SUPPLIER, name="Rival Firm Ltd", scale="large")
    oversight = factories.organisation(OrganisationKind.OVERSIGHT, name="Audit Office")
    return World(
        buyer=buyer,
        other_buyer=other_buyer,
        supplier=supplier,
        other_supplier=other_supplier,
        officer=factories.member(buyer, Role.PROCUREMENT_OFFICER),
        approver=factories.member(buyer, Role.APPROVER),
        evaluator=factories.member(buyer, Role.EVALUATOR),
        other_officer=factories.member(other_buyer, Role.PROCUREMENT_OFFICER),
        bid_manager=factories.member(supplier, Role.BID_MANAGER),
        viewer=factories.member(supplier, Role.VIEWER),
        other_bid_manager=factories.member(other_supplier, Role.BID_MANAGER),
        admin=factories.platform_admin(),
        auditor=factories.member(oversight, Role.AUDITOR),
        reviewer=factories.member(oversight, Role.REVIEW_BODY),
    )
