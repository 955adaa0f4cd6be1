"""Before the opening, what a bid says is nowhere but in ciphertext: not in any page, API
endpoint, export, feed, admin view or log line, for any person — and not in clear in any database
row or stored file either, so no path added later can leak it.

Two suppliers bid with unmistakable markers in every part of their bids (price, answers, file
name, file content). Then every named URL of the site that can be filled in, every GET endpoint
of the JSON API and every admin page is fetched as every person of the authorization matrix.
The bidder's own members may see their own bid (they wrote it); nobody sees anyone else's.
"""

from __future__ import annotations

import io
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from procura.api import api
from procura.bids import services
from procura.bids.models import Bid, Receipt, SealedFile
from procura.publication import bulk
from procura.tenders.models import Tender
from tests.bids.support import open_tender
from tests.conftest import World
from tests.documents.samples import PDF

pytestmark = pytest.mark.django_db

PEOPLE = [
    None,
    "officer",
    "approver",
    "evaluator",
    "other_officer",
    "bid_manager",
    "viewer",
    "other_bid_manager",
    "admin",
    "auditor",
    "reviewer",
]
# Who belongs to which bidder: they may see that bidder's own bid.
OWN = {"bid_manager": "supplier", "viewer": "supplier", "other_bid_manager": "other_supplier"}


def _markers(tag: str) -> dict[str, str]:
    return {
        "price": f"9182{tag}.64",
        "answer": f"Zebracorn{tag} delivery plan",
        "file_name": f"Zebracorn{tag}-offer.pdf",
        "file_content": f"Zebracorn{tag} file content",
        "file_title": f"Zebracorn{tag} priced schedule",
    }


MARKERS = {"supplier": _markers("11"), "other_supplier": _markers("22")}


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.getMessage()} {record.__dict__!r}")


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    capture = _Capture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        yield capture.lines
    finally:
        root.removeHandler(capture)
        root.setLevel(previous)


def _bid(tender: Tender, manager: Any, supplier: Any, markers: dict[str, str]) -> tuple[Bid, Receipt]:
    lot = tender.lots.get()
    bid = services.bid_start(actor=manager, tender=tender, lot=lot, supplier=supplier)
    upload = io.BytesIO(PDF.replace(b"%%EOF", markers["file_content"].encode() + b"\n%%EOF"))
    upload.name = markers["file_name"]
    services.bid_file_add(actor=manager, bid=bid, file=upload, title=markers["file_title"])
    answers = {q.key: markers["answer"] for q in services.questions_for(tender)}
    services.bid_draft_save(actor=manager, bid=bid, price=markers["price"], answers=answers)
    receipt = services.bid_submit(actor=manager, bid=bid)
    # A working draft on top of the submitted version: it is sealed too.
    services.bid_draft_save(actor=manager, bid=bid, price=markers["price"], answers=answers)
    bid.refresh_from_db()
    return bid, receipt


def _forbidden(who: str | None) -> list[str]:
    own = OWN.get(who or "")
    return [value for owner, markers in MARKERS.items() if owner != own for value in markers.values()]


def _named_patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _named_patterns(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def _kwarg_values(world: World, tender: Tender, bid: Bid, receipt: Receipt) -> dict[str, Any]:
    sealed = SealedFile.objects.filter(bid=bid).first()
    return {
        "ocid": tender.ocid,
        "tender_id": tender.pk,
        "bid_id": bid.pk,
        "lot_id": bid.lot_id,
        "receipt_id": receipt.pk,
        "file_id": sealed.pk if sealed else uuid.uuid4(),
        "organisation_id": world.supplier.pk,
        "supplier_id": world.supplier.pk,
        "release_id": f"{tender.ocid}-1",
        "id": bid.pk,
    }


def _fill(route_kwargs: list[str], values: dict[str, Any]) -> dict[str, Any] | None:
    if any(name not in values for name in route_kwargs):
        return None
    return {name: values[name] for name in route_kwargs}


def _site_urls(values: dict[str, Any]) -> tuple[list[str], set[str]]:
    urls, skipped = [], set()
    for name, pattern in _named_patterns(get_resolver()):
        if name.startswith("admin:") or name.startswith("api:"):
            continue
        kwargs = _fill(list(pattern.pattern.regex.groupindex), values)
        if kwargs is None:
            skipped.add(name)
            continue
        try:
            urls.append(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            skipped.add(name)
    return urls, skipped


def _api_urls(values: dict[str, Any]) -> list[str]:
    urls = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        names = re.findall(r"{(\w+)}", path)
        kwargs = _fill(names, values)
        if kwargs is None:
            continue
        filled = path
        for name, value in kwargs.items():
            filled = filled.replace("{" + name + "}", str(value))
        urls.append(filled)
    return urls


def _admin_urls(bids: list[Bid]) -> list[str]:
    urls = []
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        if meta.app_label == "bids":
            for obj in model._default_manager.all()[:20]:
                urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
    return urls


def _body(client: Client, url: str) -> bytes:
    response = client.get(url)
    content = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
    return bytes(content)


def test_no_path_reveals_a_sealed_bid(world: World, log_lines: list[str], media: Path) -> None:
    tender = open_tender(world.officer, world.buyer, eligibility_criteria="Registered in the trade register.")
    bid, receipt = _bid(tender, world.bid_manager, world.supplier, MARKERS["supplier"])
    _bid(tender, world.other_bid_manager, world.other_supplier, MARKERS["other_supplier"])
    bulk.bulk_refresh()

    values = _kwarg_values(world, tender, bid, receipt)
    site, skipped = _site_urls(values)
    api_urls = _api_urls(values)
    admin_urls = _admin_urls(list(Bid.objects.all()))
    bid_pages = {name for name, _ in _named_patterns(get_resolver()) if name.split(":")[0] in {"bids", "bidopening"}}
    assert not (bid_pages & skipped), f"bid pages the crawl could not fill in: {sorted(bid_pages & skipped)}"
    assert any("/bids/" in url for url in api_urls)
    assert len(site) > 50
    assert admin_urls

    leaks = []
    for who in PEOPLE:
        client = world.client(who)
        forbidden = [value.encode() for value in _forbidden(who)]
        for url in site + api_urls + (admin_urls if who == "admin" else []):
            body = _body(client, url)
            leaks += [(who, url, marker) for marker in forbidden if marker in body]
    assert leaks == []

    # The bidder's own members do see their own bid: the markers are real and the crawl reaches it.
    own = _body(world.client("bid_manager"), reverse("bids:bid", kwargs={"bid_id": bid.pk}))
    assert MARKERS["supplier"]["price"].encode() in own

    everything = [value for markers in MARKERS.values() for value in markers.values()]
    assert [line for line in log_lines if any(value in line for value in everything)] == []


def test_no_row_or_stored_file_holds_a_bid_in_clear(world: World, media: Path) -> None:
    tender = open_tender(world.officer, world.buyer, eligibility_criteria="Registered in the trade register.")
    _bid(tender, world.bid_manager, world.supplier, MARKERS["supplier"])
    everything = [value.encode() for markers in MARKERS.values() for value in markers.values()][:5]
    found = []
    for model in apps.get_models():
        for row in model._default_manager.all().values_list():
            text = b"|".join(
                bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode() for value in row
            )
            found += [(model._meta.label, marker) for marker in everything if marker in text]
    assert found == []
    stored = [path for path in media.rglob("*") if path.is_file()]
    assert stored, "the bid's file should be stored (sealed)"
    assert [path for path in stored if any(marker in path.read_bytes() for marker in everything)] == []
    assert [path for path in stored if any(marker in str(path).encode() for marker in everything)] == []
