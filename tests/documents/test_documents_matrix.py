"""Authorization matrix for document pages: who gets each document page, for every person of
the site-wide matrix (tests/web/test_pages.PEOPLE)."""

from __future__ import annotations

import uuid

import pytest

from procura.documents.models import DocumentType
from procura.documents.services import document_upload
from tests.conftest import World
from tests.documents.samples import PDF, named
from tests.web.test_pages import PEOPLE

# Read by tests/web/test_authorization_matrix.py: named URLs this table covers.
COVERED_URL_NAMES = {"document-download"}

# A buyer's document with no rule registered for its owner type: its members only. Everyone
# else gets the 404 page, anonymous people included (a sign-in prompt would reveal it exists).
BUYERS_DOCUMENT = {
    "anonymous": 404,
    "officer": 200,
    "evaluator": 200,
    "other_officer": 404,
    "bid_manager": 404,
    "admin": 404,
    "auditor": 404,
}


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_who_may_download_a_document(world: World, person: str) -> None:
    # given
    document = document_upload(
        actor=world.officer,
        organisation=world.buyer,
        owner_type="business-case",
        owner_id=uuid.uuid4(),
        title="Needs assessment",
        document_type=DocumentType.NEEDS_ASSESSMENT,
        file=named(PDF, "needs.pdf"),
    )
    client = world.client(None if person == "anonymous" else person)
    # when
    response = client.get(document.get_absolute_url())
    # then
    assert response.status_code == BUYERS_DOCUMENT[person]
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == PDF
        response.close()
    else:
        assert "<h1>Page not found</h1>" in response.content.decode()


def test_the_table_covers_every_person() -> None:
    assert set(BUYERS_DOCUMENT) == set(PEOPLE)
