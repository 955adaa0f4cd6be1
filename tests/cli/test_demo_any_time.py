"""`procura demo` loads at any moment of the year (its own module: the demo tests beside it share
one load made at the present moment)."""

from __future__ import annotations

import pytest

from procura import demo
from procura.core import clock
from procura.planning.models import ProcurementPlan
from procura.tenders.domain import TenderStatus
from tests.cli.test_demo_tenders import SKIPPED, _statuses


@pytest.mark.django_db
def test_the_demo_works_at_any_time_of_year(frozen_clock: clock.Clock) -> None:
    # given: the clock at 00:30 on the first day of the year
    frozen_clock.set(clock.now().replace(month=1, day=1, hour=0, minute=30))

    # when
    demo.load()

    # then
    assert set(_statuses().values()) == set(TenderStatus) - SKIPPED
    assert set(ProcurementPlan.objects.values_list("year", flat=True)) == {clock.now().year}
