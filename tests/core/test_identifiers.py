import threading

import pytest
from django.db import connection, connections

from procura.core.identifiers import allocate_ocid, is_ocid


@pytest.mark.django_db
def test_ocids_are_sequential_under_the_configured_prefix(settings: object) -> None:
    settings.OCID_PREFIX = "abc123"  # type: ignore[attr-defined]
    first, second = allocate_ocid(), allocate_ocid()
    assert first == "ocds-abc123-000001"
    assert second == "ocds-abc123-000002"
    assert is_ocid(first)


@pytest.mark.django_db
def test_a_malformed_prefix_is_refused(settings: object) -> None:
    settings.OCID_PREFIX = "TOO-LONG-PREFIX"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="6-character prefix"):
        allocate_ocid()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_on_postgresql_gives_distinct_ocids() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
    # given 8 threads, each with its own connection, allocating 200 ocids at once
    results: list[list[str]] = [[] for _ in range(8)]
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def allocate(slot: int) -> None:
        try:
            start.wait()
            for _ in range(200):
                results[slot].append(allocate_ocid())
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then all 1,600 are distinct
    assert errors == []
    allocated = [ocid for batch in results for ocid in batch]
    assert len(allocated) == 1600
    assert len(set(allocated)) == 1600
