"""One scene, many people: each person's request runs in a savepoint that is rolled back after
it, so every person meets the same state without the scene being built again for each of them
(authorization matrices)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back(label: str) -> Iterator[None]:
    """Run the block in a savepoint, undo whatever it wrote, and name `label` in any failure."""
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    except AssertionError as error:
        raise AssertionError(f"{label}: {error}") from error
