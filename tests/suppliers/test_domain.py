"""Supplier register rules on plain values: expiry, warnings, shares, the OCDS shape of owners."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from procura.publication.validate import validate_release
from procura.suppliers.domain import (
    ExpiryState,
    ExpiryThreshold,
    days_until_expiry,
    expiry_state,
    ocds_beneficial_owners,
    share_has_too_many_decimals,
    share_is_in_range,
    share_left,
    shares_fit,
    warning_due,
)

TODAY = dt.date(2026, 3, 2)


def _in(days: int) -> dt.date:
    return TODAY + dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("expires_on", "expected"),
    [
        (None, ExpiryState.NO_EXPIRY),
        (_in(31), ExpiryState.VALID),
        (_in(365), ExpiryState.VALID),
        (_in(30), ExpiryState.EXPIRING),
        (_in(1), ExpiryState.EXPIRING),
        (_in(0), ExpiryState.EXPIRING),  # valid through its expiry date
        (_in(-1), ExpiryState.EXPIRED),
        (_in(-400), ExpiryState.EXPIRED),
    ],
)
def test_expiry_state(expires_on: dt.date | None, expected: str) -> None:
    assert expiry_state(expires_on, TODAY) == expected


def test_expiry_state_warns_as_many_days_ahead_as_told() -> None:
    assert expiry_state(_in(10), TODAY, warn_days=7) == ExpiryState.VALID
    assert expiry_state(_in(7), TODAY, warn_days=7) == ExpiryState.EXPIRING


def test_days_until_expiry() -> None:
    assert days_until_expiry(None, TODAY) is None
    assert days_until_expiry(_in(12), TODAY) == 12
    assert days_until_expiry(_in(-3), TODAY) == -3


@pytest.mark.parametrize(
    ("expires_on", "expected"),
    [
        (None, None),
        (_in(31), None),
        (_in(30), ExpiryThreshold.DAYS_30),
        (_in(8), ExpiryThreshold.DAYS_30),
        (_in(7), ExpiryThreshold.DAYS_7),
        (_in(0), ExpiryThreshold.DAYS_7),
        (_in(-1), ExpiryThreshold.EXPIRED),
    ],
)
def test_the_most_urgent_warning_is_due(expires_on: dt.date | None, expected: ExpiryThreshold | None) -> None:
    assert warning_due(expires_on, TODAY) == expected


@pytest.mark.parametrize(
    ("share", "ok"),
    [
        (Decimal("0.01"), True),
        (Decimal("100"), True),
        (Decimal("0"), False),
        (Decimal("-5"), False),
        (Decimal("100.01"), False),
        (Decimal("NaN"), False),
        (Decimal("Infinity"), False),
    ],
)
def test_a_share_is_above_zero_and_at_most_a_hundred(share: Decimal, ok: bool) -> None:
    assert share_is_in_range(share) is ok


def test_shares_have_at_most_two_decimals() -> None:
    assert not share_has_too_many_decimals(Decimal("33.33"))
    assert not share_has_too_many_decimals(Decimal("25.000"))
    assert share_has_too_many_decimals(Decimal("33.333"))


def test_shares_together_are_at_most_a_hundred() -> None:
    assert shares_fit([Decimal("60"), Decimal("30")], Decimal("10"))
    assert not shares_fit([Decimal("60"), Decimal("30")], Decimal("10.01"))
    assert shares_fit([], Decimal("100"))
    assert share_left([Decimal("60"), Decimal("30")]) == Decimal("10")
    assert share_left([Decimal("100")]) == Decimal("0")


@dataclass(frozen=True)
class Owner:
    pk: uuid.UUID
    name: str
    nationality: str
    publishable: bool
    share: Decimal = Decimal("50")
    date_of_birth: dt.date | None = dt.date(1970, 1, 1)
    address: str = "Private street 1"


def test_ocds_beneficial_owners_publish_id_name_and_nationality_of_publishable_owners_only() -> None:
    # given
    ana = Owner(uuid.UUID(int=1), "Ana García", "ES", publishable=True)
    hidden = Owner(uuid.UUID(int=2), "Hidden Person", "GB", publishable=False)
    bo = Owner(uuid.UUID(int=3), "Bo Berg", "SE", publishable=True)
    # when
    published = ocds_beneficial_owners([ana, hidden, bo])
    # then
    assert published == [
        {"id": str(ana.pk), "name": "Ana García", "nationalities": ["ES"]},
        {"id": str(bo.pk), "name": "Bo Berg", "nationalities": ["SE"]},
    ]


def test_ocds_beneficial_owners_of_nobody_publishable_is_empty() -> None:
    assert ocds_beneficial_owners([Owner(uuid.UUID(int=2), "Hidden", "GB", publishable=False)]) == []


def _release(party: dict[str, Any]) -> dict[str, Any]:
    return {
        "ocid": "ocds-abc123-0001",
        "id": "ocds-abc123-0001-tender-1",
        "date": "2026-03-02T09:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [party],
    }


def test_ocds_beneficial_owners_are_valid_against_the_beneficial_owners_extension() -> None:
    # given
    owners = [Owner(uuid.UUID(int=1), "Ana García", "ES", True), Owner(uuid.UUID(int=3), "Bo Berg", "XK", True)]
    party = {"id": "GB-COH-1", "name": "Small Firm Ltd", "roles": ["tenderer"]}
    # when
    party["beneficialOwners"] = ocds_beneficial_owners(owners)
    # then
    assert validate_release(_release(party)) == []


def test_the_extension_check_would_catch_a_wrong_shape() -> None:
    # A share is not a field of the extension's Person, and nationalities are a closed codelist:
    # the validator must say so, or the test above proves nothing.
    party = {
        "id": "GB-COH-1",
        "name": "Small Firm Ltd",
        "roles": ["tenderer"],
        "beneficialOwners": [{"id": "1", "name": "Ana", "nationalities": ["XX"]}],
    }
    assert validate_release(_release(party)) != []
