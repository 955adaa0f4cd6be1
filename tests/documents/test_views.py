"""Downloading a document: the file with the right headers for those who may see it, the site's
404 page for everyone else."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any
from urllib.parse import quote

import pytest
from django.http import FileResponse

from procura.documents.models import Document, DocumentType
from procura.documents.scanning import ScanStatus
from procura.documents.services import document_upload
from tests.conftest import World
from tests.documents.samples import CSV, PDF, named

CONTENT = PDF + b"% the full notice\n"


def _document(world: World, name: str = "Tender notice.pdf", content: bytes = CONTENT) -> Document:
    return document_upload(
        actor=world.officer,
        organisation=world.buyer,
        owner_type="test-owner",
        owner_id=uuid.uuid4(),
        title="Tender notice",
        document_type=DocumentType.TENDER_NOTICE,
        file=named(content, name),
    )


def _body(response: Any) -> bytes:
    assert isinstance(response, FileResponse)
    try:
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    finally:
        response.close()


def _is_not_found_page(response: Any) -> bool:
    return response.status_code == 404 and "<h1>Page not found</h1>" in response.content.decode()


@pytest.mark.django_db
def test_a_member_downloads_the_file_with_its_type_name_and_digests(world: World) -> None:
    # given
    document = _document(world)
    digest = hashlib.sha256(CONTENT).digest()
    # when
    response = world.client("officer").get(f"/documents/{document.pk}/Tender%20notice.pdf")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Tender notice.pdf"'
    assert response["Content-Length"] == str(len(CONTENT))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["ETag"] == f'"sha256-{digest.hex()}"'
    assert response["Digest"] == f"sha-256={base64.b64encode(digest).decode()}"
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    assert response["Cache-Control"] == "private, no-cache"
    assert _body(response) == CONTENT


@pytest.mark.django_db
def test_the_download_link_is_the_models_url(world: World) -> None:
    document = _document(world, name="Pliego de condiciones – año 2026.pdf")
    assert document.get_absolute_url() == (f"/documents/{document.pk}/{quote('Pliego de condiciones – año 2026.pdf')}")
    response = world.client("officer").get(document.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Pliego%20de%20condiciones%20%E2%80%93%20a%C3%B1o%202026.pdf"
    )
    assert _body(response) == CONTENT


@pytest.mark.django_db
def test_a_file_name_with_url_characters_round_trips(world: World) -> None:
    document = _document(world, name="Q&A #3, 100% + more; final.pdf")
    response = world.client("officer").get(document.get_absolute_url())
    assert response.status_code == 200
    assert document.get_absolute_url().endswith("/Q&A%20%233,%20100%25%20+%20more;%20final.pdf")
    assert _body(response) == CONTENT


@pytest.mark.django_db
def test_a_text_file_is_served_as_an_attachment_with_its_own_type(world: World) -> None:
    document = _document(world, name="prices.csv", content=CSV)
    response = world.client("evaluator").get(document.get_absolute_url())
    assert (response.status_code, response["Content-Type"]) == (200, "text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="prices.csv"'
    assert _body(response) == CSV


@pytest.mark.django_db
def test_an_unchanged_file_is_not_sent_again(world: World) -> None:
    # given the browser has the file
    document = _document(world)
    etag = f'"sha256-{document.sha256}"'
    # when it asks again with its ETag
    response = world.client("officer").get(document.get_absolute_url(), headers={"If-None-Match": etag})
    # then
    assert response.status_code == 304
    assert response["ETag"] == etag


@pytest.mark.django_db
@pytest.mark.parametrize("who", [None, "other_officer", "bid_manager", "admin"])
def test_people_who_may_not_see_it_get_the_not_found_page(world: World, who: str | None) -> None:
    document = _document(world)
    response = world.client(who).get(document.get_absolute_url())
    assert _is_not_found_page(response)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ScanStatus.PENDING, ScanStatus.FAILED, ScanStatus.INFECTED])
def test_a_file_that_is_not_servable_is_not_found_even_for_members(world: World, status: ScanStatus) -> None:
    document = _document(world)
    Document.objects.filter(pk=document.pk).update(scan_status=status)
    response = world.client("officer").get(document.get_absolute_url())
    assert _is_not_found_page(response)


@pytest.mark.django_db
def test_a_wrong_file_name_redirects_members_to_the_right_one(world: World) -> None:
    document = _document(world)
    response = world.client("officer").get(f"/documents/{document.pk}/old%20name%00%20.pdf")
    assert response.status_code == 302
    assert response["Location"] == f"/documents/{document.pk}/Tender%20notice.pdf"


@pytest.mark.django_db
def test_a_wrong_file_name_does_not_reveal_the_document_to_others(world: World) -> None:
    document = _document(world)
    response = world.client("other_officer").get(f"/documents/{document.pk}/whatever.pdf")
    assert _is_not_found_page(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/documents/{uuid.UUID(int=1)}/notice.pdf",
        "/documents/not-a-uuid/notice.pdf",
        "/documents/",
    ],
)
def test_unknown_documents_get_the_not_found_page(world: World, path: str) -> None:
    assert _is_not_found_page(world.client("officer").get(path))


@pytest.mark.django_db
def test_a_file_missing_from_storage_is_not_found_not_a_crash(world: World) -> None:
    document = _document(world)
    Document.objects.filter(pk=document.pk).update(storage_name="documents/00/missing")
    assert _is_not_found_page(world.client("officer").get(document.get_absolute_url()))


@pytest.mark.django_db
def test_only_get_and_head_are_allowed(world: World) -> None:
    document = _document(world)
    client = world.client("officer")
    assert client.post(document.get_absolute_url()).status_code == 405
    head = client.head(document.get_absolute_url())
    assert (head.status_code, head["Content-Length"]) == (200, str(len(CONTENT)))
    head.close()
