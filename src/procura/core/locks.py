"""Row locks beyond what the ORM offers, behind one helper with an SQLite path."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def share_lock(model: type[M], pk: Any) -> M:
    """Read one row and hold a shared lock on it until the transaction ends.

    PostgreSQL: `SELECT … FOR SHARE`. Many transactions may hold it at once (bids for the same
    tender do not wait for each other), but a writer's `select_for_update()` of the row (an
    amendment moving the deadline) waits until they commit, and they wait for it. SQLite: a
    plain read, since its IMMEDIATE transactions already hold the database's one write lock.
    Raises `model.DoesNotExist` when there is no such row.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("share_lock must be called inside a transaction")
    if connection.vendor != "postgresql":
        return model._default_manager.get(pk=pk)
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    column = connection.ops.quote_name(str(meta.pk.column))
    rows = list(model._default_manager.raw(f"SELECT * FROM {table} WHERE {column} = %s FOR SHARE", [pk]))  # noqa: S608
    if not rows:
        raise model.DoesNotExist(f"{meta.object_name} {pk} does not exist")  # type: ignore[attr-defined]
    return rows[0]
