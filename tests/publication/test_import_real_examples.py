"""`procura ocds import` on the real publishers' samples in shared/ocds/real-examples.

What the samples hold (inspected): Mexico (Jalisco) record packages whose releases are only
linked (a url, a date and a tag: 49 of them) with the publisher's compiled release, plus release
packages for 3 of those processes (10 releases); Moldova single records (no ocid at the record
level, one embedded release each) and the same 51 releases again as bare files; UK Contracts
Finder single records (no ocid) and bare releases, where 10 processes have a second, OCDS 1.0
style release under the same id with different content.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procura.publication.importer import SkipReason, import_path
from procura.publication.models import HistoricalProcess, HistoricalRelease, Record, Release
from tests.publication.history_support import REAL_EXAMPLES, real_example_files, run_import

pytestmark = pytest.mark.django_db


def _import_all() -> dict[str, int]:
    totals = {"imported": 0, "already": 0, "compiled": 0, "created": 0, "updated": 0}
    reasons: dict[str, int] = {}
    for path in real_example_files():
        outcome = import_path(path=path)
        assert not outcome.failed, (path, outcome.error)
        totals["imported"] += outcome.imported
        totals["already"] += outcome.already_present
        totals["compiled"] += outcome.publisher_compiled
        totals["created"] += outcome.processes_created
        totals["updated"] += outcome.processes_updated
        for skipped in outcome.skipped:
            reasons[skipped.reason] = reasons.get(skipped.reason, 0) + 1
    return {**totals, **reasons}


def test_every_real_example_imports_with_the_expected_skips() -> None:
    # given
    assert len(real_example_files()) == 154
    # when
    totals = _import_all()
    # then
    assert totals == {
        "imported": 72,  # 51 Moldova + 11 UK + 10 Mexico releases
        "already": 62,  # Moldova's 51 and the UK's 11 releases given twice, identically
        "compiled": 72,  # every record's compiledRelease (Moldova 51, UK 11, Mexico 10)
        "created": 72,
        "updated": 10,  # Mexico processes met again in the release packages after their records
        SkipReason.LINKED_RELEASE: 49,
        SkipReason.CONFLICTING_DUPLICATE: 10,
    }
    assert HistoricalRelease.objects.count() == 72
    assert HistoricalProcess.objects.count() == 72
    by_prefix = {
        prefix: HistoricalProcess.objects.filter(ocid__startswith=prefix).count()
        for prefix in ("ocds-ngfbwp-", "ocds-b5fd17-", "ocds-xs1qbl-")
    }
    assert by_prefix == {"ocds-ngfbwp-": 51, "ocds-b5fd17-": 11, "ocds-xs1qbl-": 10}


def test_mexican_processes_without_releases_keep_the_publishers_compiled_release() -> None:
    # when
    _import_all()
    # then: 3 processes compiled from their releases, 7 known only from their records
    mexico = HistoricalProcess.objects.filter(ocid__startswith="ocds-xs1qbl-")
    assert sorted(mexico.filter(compiled_by="procura").values_list("ocid", flat=True)) == [
        "ocds-xs1qbl-SFIN-03-0001-00-2017",
        "ocds-xs1qbl-SFIN-03-0007-00-2017",
        "ocds-xs1qbl-SFIN-03-0011-00-2017",
    ]
    assert mexico.filter(compiled_by="publisher", release_count=0).count() == 7
    process = HistoricalProcess.objects.get(ocid="ocds-xs1qbl-SFIN-03-0007-00-2017")
    assert process.release_count == 5
    assert process.title == "PAQUETES Y PROGRAMAS(SOFTWARE)"
    assert process.currency == "MXN"
    assert process.compile_problem == ""


def test_the_first_uk_release_read_wins_over_its_conflicting_copy() -> None:
    # when
    _import_all()
    # then: the record's (OCDS 1.1) version is kept, not the later 1.0-style file under the same id
    release = HistoricalRelease.objects.get(ocid="ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b")
    assert b'"parties"' in bytes(release.body)
    process = HistoricalProcess.objects.get(ocid="ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b")
    assert process.buyer_name == "Met Office"
    assert process.source == "ocds-b5fd17"  # no publisher named anywhere: the ocid prefix
    assert process.status == "unsuccessful"


def test_moldovan_records_without_ocid_take_it_from_their_releases() -> None:
    # when
    _import_all()
    # then
    process = HistoricalProcess.objects.get(ocid="ocds-ngfbwp-16949496")
    assert process.release_count == 1
    assert process.source == "Public Procurement Agency"
    assert process.year == 2017
    assert process.publisher_compiled is not None


def test_importing_everything_again_changes_nothing() -> None:
    # given
    _import_all()
    before = list(HistoricalProcess.objects.order_by("ocid").values_list("ocid", "compiled", "updated_at"))
    # when
    totals = _import_all()
    # then
    assert totals["imported"] == totals["compiled"] == totals["created"] == totals["updated"] == 0
    assert totals["already"] == 72 + 62 + 72
    assert HistoricalRelease.objects.count() == 72
    after = list(HistoricalProcess.objects.order_by("ocid").values_list("ocid", "compiled", "updated_at"))
    assert after == before


def test_the_tool_prints_each_skip_and_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    # when
    status = run_import(*real_example_files())
    # then
    out = capsys.readouterr().out
    assert status == 0
    lines = out.splitlines()
    assert sum(": skipped: " in line for line in lines) == 59
    summary = out[out.index("Summary") :]
    assert "files read: 154, unusable: 0" in summary
    assert "releases imported: 72" in summary
    assert "already present: 62" in summary
    assert "skipped: 59" in summary
    assert "linked release (a url and no content): 49" in summary
    assert "duplicate release id with different content: 10" in summary
    assert "processes created: 72, updated: 10" in summary
    assert "processes in the historical store: 72" in summary
    assert any(
        line.startswith(str(REAL_EXAMPLES / "mexico")) and "records[0].releases[0]: skipped: linked release" in line
        for line in lines
    )


def test_the_tool_exits_0_when_everything_is_already_present(capsys: pytest.CaptureFixture[str]) -> None:
    # given
    run_import("--quiet", *real_example_files())
    # when
    status = run_import("--quiet", *real_example_files())
    # then
    assert status == 0
    assert "releases imported: 0" in capsys.readouterr().out


def test_importing_never_touches_live_tables() -> None:
    # given
    tables = {model._meta.db_table for model in apps.get_models()}
    # when
    with CaptureQueriesContext(connection) as queries:
        _import_all()
    # then: every statement names the two historical tables and no other
    touched = {name for q in queries.captured_queries for name in re.findall(r'"(\w+)"', q["sql"]) if name in tables}
    assert touched == {HistoricalProcess._meta.db_table, HistoricalRelease._meta.db_table}
    assert Release.objects.count() == Record.objects.count() == 0
