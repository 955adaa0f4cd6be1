"""The demo's open data, checked by the Data Review Tool's own library (libcoveocds, offline)
and by Procura's validator: no validation errors, no closed-codelist values, no conformance
errors; and the records equal what ocdsmerge compiles from the releases."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import ocdsmerge
import orjson
import pytest
from django.apps import apps

from procura import demo
from procura.publication import schema
from procura.publication.bulk import export_dataset
from procura.publication.models import Record, Release
from procura.publication.validate import validate_package
from tests.publication.cove_support import cove_check, cove_verdict


@pytest.fixture(scope="module")
def exported(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo loaded once and exported with `export_dataset` (what `procura ocds export` runs)."""
    folder = tmp_path_factory.mktemp("demo-export")
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            # A transactional test that ran before in this process flushed the units of measure,
            # and module fixtures run before the autouse one that puts them back.
            importlib.import_module("procura.classifications.migrations.0002_units").add_units(apps, None)
            demo.load()
            export_dataset(folder / "out")
            tags = sorted({tag for tags in Release.objects.values_list("tags", flat=True) for tag in tags.split()})
            (folder / "tags.json").write_bytes(orjson.dumps(tags))
            transaction.set_rollback(True)
    return folder


def _without_bid_opening(path: Path, target: Path) -> Path:
    """The same package declaring every extension but bidOpening: libcoveocds cannot dereference
    bidOpening offline (it refers to the location extension's Location), and then skips its
    closed-codelist check altogether; without it, the codelists are checked."""
    package = orjson.loads(path.read_bytes())
    package["extensions"] = [url for url in package["extensions"] if schema.extension_name(url) != "bidOpening"]
    target.write_bytes(orjson.dumps(package))
    return target


@pytest.mark.parametrize("name", ["releases.json", "records.json"])
def test_libcoveocds_finds_nothing_wrong_with_the_demo_export(exported: Path, name: str, tmp_path: Path) -> None:
    path = exported / "out" / name
    for checked in (path, _without_bid_opening(path, tmp_path / name)):
        result = cove_check(checked)
        errors, closed_codelist_values, conformance = cove_verdict(result)
        assert errors == [], errors[:3]
        assert closed_codelist_values == {}
        assert conformance == []
        assert not result.get("invalid_extension"), result.get("invalid_extension")
    assert "json_deref_error" not in cove_check(tmp_path / name)  # the codelists were checked


def test_the_demo_publishes_every_tender_stage_and_procuras_validator_agrees(exported: Path) -> None:
    tags = set(orjson.loads((exported / "tags.json").read_bytes()))
    assert {"planning", "tender", "tenderAmendment", "tenderUpdate", "tenderCancellation"} <= tags
    for name in ("releases.json", "records.json"):
        report = validate_package(orjson.loads((exported / "out" / name).read_bytes()), source=name)
        assert report.valid, report.problems[:3]


@pytest.mark.django_db
def test_demo_records_equal_ocdsmerge() -> None:
    demo.load()
    merger = ocdsmerge.Merger(schema.patched_schema())
    assert Record.objects.count() > 10
    for record in Record.objects.all():
        releases = [
            orjson.loads(bytes(body))
            for body in Release.objects.filter(ocid=record.ocid).order_by("seq").values_list("body", flat=True)
        ]
        assert orjson.loads(bytes(record.compiled)) == merger.create_compiled_release(releases), record.ocid
        assert orjson.loads(bytes(record.versioned)) == merger.create_versioned_release(releases), record.ocid
