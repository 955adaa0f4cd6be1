"""Beneficial owners added at the same moment on PostgreSQL: each write locks the supplier's row
before it adds up the shares, so together they never pass 100%."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from procura.core.errors import RuleViolation
from procura.suppliers.models import BeneficialOwner
from procura.suppliers.services import beneficial_owner_add
from tests.conftest import World

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."
    ),
]


@pytest.fixture(autouse=True)
def _units(transactional_db: None) -> None:
    from django.apps import apps

    importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)


def _run_together(jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = job()
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return results, errors


def test_concurrent_owners_never_hold_more_than_a_hundred_percent(world: World) -> None:
    # given eight bid managers' requests for 30% each: only three fit
    def add(n: int) -> Callable[[], Any]:
        return lambda: beneficial_owner_add(
            actor=world.bid_manager, organisation=world.supplier, name=f"Owner {n}", nationality="GB", share="30"
        )

    # when
    results, errors = _run_together([add(n) for n in range(8)])
    # then
    assert all(isinstance(e, RuleViolation) for e in errors), errors
    assert len([r for r in results if r is not None]) == 3
    assert len(errors) == 5
    shares = list(BeneficialOwner.objects.filter(organisation=world.supplier).values_list("share", flat=True))
    assert sum(shares) == Decimal("90")
