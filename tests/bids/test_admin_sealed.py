"""The Django admin shows bids' metadata only: never a price, an answer, a file name, the sealed
bytes or a wrapped key; before the opening or after it. And it changes nothing."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from django.core.files.storage import default_storage
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from procura.bids import services
from procura.bids.models import Bid, BidOpening, BidVersion, Receipt, SealedFile, TenderKey
from procura.core import clock
from tests.bids.test_opening_pages import SEALED_CONTENT, Bids, bids_before_opening, open_the_bids
from tests.conftest import World

pytestmark = pytest.mark.django_db

# A change to the bid saved as a draft (sealed), not submitted.
DRAFT_PRICE = "91234.56"
DRAFT_ANSWER = "Draft answer: a refrigerated lorry for the northern hospitals."
SECRETS = [*SEALED_CONTENT, DRAFT_PRICE, "91,234.56", DRAFT_ANSWER]
REGISTERED = [Bid, BidVersion, Receipt, BidOpening, TenderKey]


@pytest.fixture(autouse=True)
def _no_scanner(settings: object) -> None:
    settings.DOCUMENTS = {**settings.DOCUMENTS, "clamd_address": "", "scanner": ""}  # type: ignore[attr-defined]


def _with_a_draft_change(world: World, bids: Bids) -> None:
    keys = [question.key for question in services.questions_for(bids.tender)]
    services.bid_draft_save(
        actor=world.bid_manager, bid=bids.bid, price=DRAFT_PRICE, answers=dict.fromkeys(keys, DRAFT_ANSWER)
    )


def _sealed_blobs() -> Iterator[bytes]:
    """Every sealed thing stored: drafts, versions, files, and the wrapped data keys."""
    for draft in Bid.objects.exclude(draft_sealed=b"").values_list("draft_sealed", flat=True):
        yield bytes(draft)
    for sealed in BidVersion.objects.values_list("sealed", flat=True):
        yield bytes(sealed)
    for wrapped in TenderKey.objects.values_list("wrapped_key", flat=True):
        yield bytes(wrapped)
    for name in SealedFile.objects.values_list("storage_name", flat=True):
        with default_storage.open(name, "rb") as stored:
            yield stored.read()


def _renderings(blob: bytes) -> list[str]:
    """How sealed bytes could show on a page: hex, base64 (both alphabets), Python's repr."""
    return [
        blob.hex()[:48],
        blob.hex().upper()[:48],
        base64.b64encode(blob).decode()[:32],
        base64.urlsafe_b64encode(blob).decode()[:32],
        escape(repr(blob[:24])[2:-1]),
    ]


def _admin_pages(model: type[Model]) -> list[str]:
    meta = model._meta
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    objects = list(model._default_manager.values_list("pk", flat=True))
    return [changelist] + [
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[str(pk)]) for pk in objects
    ]


def _prepared(world: World, frozen_clock: clock.Clock, moment: str) -> Bids:
    bids = bids_before_opening(world)
    _with_a_draft_change(world, bids)
    if moment == "after the opening":
        open_the_bids(bids, frozen_clock, world)
    return bids


@pytest.mark.parametrize("moment", ["before the opening", "after the opening"])
def test_every_bid_admin_page_shows_metadata_and_nothing_sealed(
    world: World, frozen_clock: clock.Clock, moment: str
) -> None:
    # given
    bids = _prepared(world, frozen_clock, moment)
    client = world.client("admin")
    pages = [url for model in REGISTERED for url in _admin_pages(model)]
    renderings = [text for blob in _sealed_blobs() for text in _renderings(blob)]
    assert len(pages) >= len(REGISTERED) + 2 + 3 + 3 + 1  # lists, bids, versions, receipts, key
    # when
    responses = {url: client.get(url) for url in pages}
    # then
    for url, response in responses.items():
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, (url, secret)
        for rendering in renderings:
            assert rendering not in body, (url, rendering)
    bid_page = responses[reverse("admin:bids_bid_change", args=[str(bids.bid.pk)])].content.decode()
    assert bids.tender.ocid in bid_page
    assert "Small Firm Ltd" in bid_page
    version = BidVersion.objects.get(bid=bids.bid, number=2)
    version_page = responses[reverse("admin:bids_bidversion_change", args=[str(version.pk)])].content.decode()
    assert version.sealed_sha256 in version_page


def test_opened_bids_and_sealed_files_are_not_in_the_admin(world: World, frozen_clock: clock.Clock) -> None:
    # given
    _prepared(world, frozen_clock, "after the opening")
    client = world.client("admin")
    # when
    responses = [client.get("/admin/bids/openedbid/"), client.get("/admin/bids/sealedfile/")]
    index = client.get("/admin/bids/")
    # then
    assert [response.status_code for response in responses] == [404, 404]
    assert index.status_code == 200
    assert "/admin/bids/openedbid/" not in index.content.decode()


def test_the_bid_admin_refuses_to_add_change_or_delete(world: World, frozen_clock: clock.Clock) -> None:
    # given
    bids = _prepared(world, frozen_clock, "after the opening")
    client: Client = world.client("admin")
    status_before = {bid.pk: (bid.status, bid.updated_at) for bid in Bid.objects.all()}
    counts_before = {model: model._default_manager.count() for model in REGISTERED}
    opened_at = BidOpening.objects.get(tender=bids.tender).opened_at
    # when / then
    for model in REGISTERED:
        meta = model._meta
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        assert client.get(reverse(f"{prefix}_add")).status_code == 403, model
        assert client.post(reverse(f"{prefix}_add"), {}).status_code == 403, model
        for pk in model._default_manager.values_list("pk", flat=True):
            change = reverse(f"{prefix}_change", args=[str(pk)])
            delete = reverse(f"{prefix}_delete", args=[str(pk)])
            assert client.post(change, {"status": "withdrawn", "opened_at": "2020-01-01 00:00"}).status_code == 403
            assert client.get(delete).status_code == 403, model
            assert client.post(delete, {"post": "yes"}).status_code == 403, model
        changelist = client.get(reverse(f"{prefix}_changelist")).content.decode()
        assert "delete_selected" not in changelist, model
    assert {bid.pk: (bid.status, bid.updated_at) for bid in Bid.objects.all()} == status_before
    assert {model: model._default_manager.count() for model in REGISTERED} == counts_before
    assert BidOpening.objects.get(tender=bids.tender).opened_at == opened_at
