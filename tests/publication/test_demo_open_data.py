"""The demo's open data, checked by the Data Review Tool's own library (libcoveocds, offline)
and by Procura's validator: no validation errors, no closed-codelist values, no conformance
errors; and the records equal what ocdsmerge compiles from the releases. The demo has tenders
before and after their public opening: only the opened ones publish bids."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import ocdsmerge
import orjson
import pytest
from django.apps import apps

from procura import demo, demo_bids
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


def _compiled_by_title(exported: Path) -> dict[str, dict[str, Any]]:
    package = orjson.loads((exported / "out" / "records.json").read_bytes())
    return {record["compiledRelease"]["tender"]["title"]: record["compiledRelease"] for record in package["records"]}


def test_the_demo_tenders_after_their_opening_publish_their_bids(exported: Path) -> None:
    compiled = _compiled_by_title(exported)

    # the laptops: three bids opened, one replaced (its latest price counts), one withdrawn; the
    # two that count were then qualified and Keystone's awarded (procura.demo_awards)
    laptops = compiled["Laptops for community health teams"]
    details = {detail["tenderers"][0]["name"]: detail for detail in laptops["bids"]["details"]}
    assert {name: (d["status"], d.get("value")) for name, d in details.items()} == {
        "Keystone IT Services Ltd": ("valid", {"amount": 189750, "currency": "GBP"}),
        "Datapoint Systems GmbH": ("valid", {"amount": 194300, "currency": "GBP"}),
        "Acme Medical Supplies Ltd": ("withdrawn", None),
    }
    assert laptops["tender"]["numberOfTenderers"] == 2
    assert {t["name"] for t in laptops["tender"]["tenderers"]} == {"Keystone IT Services Ltd", "Datapoint Systems GmbH"}
    assert set(laptops["tender"]["bidOpening"]) == {"date", "description"}
    assert laptops["tender"]["bidOpening"]["date"] > laptops["tender"]["tenderPeriod"]["endDate"]
    parties = {party["name"]: party for party in laptops["parties"]}
    keystone = parties["Keystone IT Services Ltd"]
    assert (keystone["roles"], keystone["details"]) == (["tenderer", "supplier"], {"scale": "sme"})
    # the owner the law does not allow to publish is left out
    assert [owner["name"] for owner in keystone["beneficialOwners"]] == ["Kemi Stone"]

    # the regeneration strategy: its one bid opened, then the tender declared unsuccessful
    regeneration = compiled["Town centre regeneration strategy consultancy"]
    assert regeneration["tender"]["status"] == "unsuccessful"
    assert [d["tenderers"][0]["name"] for d in regeneration["bids"]["details"]] == ["Brightpath Consulting"]


def test_the_demo_tenders_open_for_bids_publish_nothing_about_their_bids(exported: Path) -> None:
    compiled = _compiled_by_title(exported)
    for title in ("Nitrile examination gloves for regional hospitals", "Solar panels for primary school roofs"):
        tender = compiled[title]
        assert "bids" not in tender, title
        assert "numberOfTenderers" not in tender["tender"], title
        assert [party["roles"] for party in tender["parties"]] == [["buyer", "procuringEntity"]], title
    # no sealed price (nor a draft's) is anywhere in the open data
    published = b"".join(
        (exported / "out" / name).read_bytes() for name in ("releases.json", "records.json")
    ) + b"".join(path.read_bytes() for path in (exported / "out" / "csv").glob("*.csv"))
    sealed = [
        version[3]
        for spec in (*demo_bids.GLOVES_BIDS, *demo_bids.SOLAR_BIDS)
        for version in (*spec.versions, *([spec.draft] if spec.draft else []))
    ]
    assert len(sealed) == 6
    for price in sealed:
        assert not _appears(price, published), price
    assert _appears("189750.00", published)  # an opened price does: the check can fail


def _appears(price: str, data: bytes) -> bool:
    """Whether the amount is in the data as a number on its own (not inside an id), whichever
    way a file writes it (189750, 189750.0)."""
    number = re.escape(price.removesuffix(".00").encode())
    return re.search(rb"(?<![0-9A-Za-z-])" + number + rb"(?:\.0+)?(?![0-9A-Za-z-])", data) is not None


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
