"""Who may see a document: the rules owners register, the members-only default, scan status."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from procura.core.errors import NotFound
from procura.documents import access
from procura.documents.models import Document, DocumentType
from procura.documents.scanning import ScanStatus
from procura.documents.services import document_upload
from tests.conftest import World
from tests.documents.samples import PDF, named


def _document(world: World, owner_type: str = "test-owner") -> Document:
    return document_upload(
        actor=world.officer,
        organisation=world.buyer,
        owner_type=owner_type,
        owner_id=uuid.uuid4(),
        title="Tender notice",
        document_type=DocumentType.TENDER_NOTICE,
        file=named(PDF, "notice.pdf"),
    )


def _public_once_published(user: Any, document: Document) -> bool:
    return document.title != "Draft"


@pytest.fixture
def published_notices() -> Iterator[str]:
    """A higher app's rule: everyone sees documents of published notices."""
    access.register_owner_access("test-notice", _public_once_published)
    yield "test-notice"
    access.unregister_owner_access("test-notice")


@pytest.mark.django_db
def test_without_a_registered_rule_only_members_of_the_organisation_see_a_document(world: World) -> None:
    # given
    document = _document(world)
    # then
    assert access.can_view_document(world.officer, document) is True
    assert access.can_view_document(world.evaluator, document) is True
    assert access.can_view_document(world.other_officer, document) is False
    assert access.can_view_document(world.bid_manager, document) is False
    assert access.can_view_document(world.admin, document) is False
    assert access.can_view_document(AnonymousUser(), document) is False


@pytest.mark.django_db
def test_the_rule_registered_for_the_owner_type_decides(world: World, published_notices: str) -> None:
    # given a published notice's document and a draft's
    document = _document(world, owner_type=published_notices)
    draft = _document(world, owner_type=published_notices)
    Document.objects.filter(pk=draft.pk).update(title="Draft")
    draft.refresh_from_db()
    # then the registered rule is used, for anyone, members included
    assert access.can_view_document(AnonymousUser(), document) is True
    assert access.can_view_document(world.other_bid_manager, document) is True
    assert access.can_view_document(world.officer, draft) is False


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ScanStatus.PENDING, ScanStatus.FAILED, ScanStatus.INFECTED])
def test_a_document_that_is_not_servable_is_seen_by_nobody(
    world: World, published_notices: str, status: ScanStatus
) -> None:
    # given
    document = _document(world, owner_type=published_notices)
    document.scan_status = status
    # then
    assert access.can_view_document(AnonymousUser(), document) is False
    assert access.can_view_document(world.officer, document) is False
    with pytest.raises(NotFound) as info:
        access.check_can_view_document(world.officer, document)
    assert info.value.message == "There is no such document."


@pytest.mark.django_db
def test_clean_and_unscanned_documents_are_servable(world: World) -> None:
    document = _document(world)
    assert document.scan_status == ScanStatus.UNSCANNED
    assert access.is_servable(document) is True
    document.scan_status = ScanStatus.CLEAN
    assert access.is_servable(document) is True


@pytest.mark.django_db
def test_a_refusal_to_view_is_not_found_so_it_does_not_reveal_the_document(world: World) -> None:
    document = _document(world)
    access.check_can_view_document(world.evaluator, document)  # allowed: no error
    with pytest.raises(NotFound):
        access.check_can_view_document(world.other_officer, document)


def test_an_owner_type_has_one_rule() -> None:
    # given
    access.register_owner_access("test-owner", _public_once_published)
    try:
        # then registering the same rule again is harmless, another one is a mistake
        access.register_owner_access("test-owner", _public_once_published)
        with pytest.raises(ValueError, match="documents of 'test-owner' already have a view rule"):
            access.register_owner_access("test-owner", lambda user, document: True)
    finally:
        access.unregister_owner_access("test-owner")
