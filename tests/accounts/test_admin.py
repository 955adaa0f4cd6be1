"""The Django admin is for platform administrators after two-factor sign-in, and read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from procura.audit.models import AuditEntry
from tests import factories
from tests.conftest import World


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_procura_sign_in(world: World) -> None:
    response = Client().get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    login = Client().get(response["Location"])
    assert login.status_code == 302
    assert login["Location"] == "/account/sign-in/?next=/admin/"


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["officer", "bid_manager", "auditor", "reviewer"])
def test_people_who_are_not_platform_administrators_are_refused(world: World, person: str) -> None:
    response = world.client(person).get("/admin/")
    assert response.status_code == 302
    assert "/account/sign-in/" in Client().get(response["Location"])["Location"]


@pytest.mark.django_db
def test_an_administrator_without_a_second_factor_is_refused(world: World) -> None:
    client = factories.signed_in_client(world.admin, two_factor=False)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/"


@pytest.mark.django_db
def test_an_administrator_with_two_factor_sees_the_admin_read_only(world: World) -> None:
    client = world.client("admin")
    assert client.get("/admin/").status_code == 200
    listing = client.get("/admin/accounts/organisation/")
    assert listing.status_code == 200
    assert "Ministry of Tests" in listing.content.decode()
    assert client.get("/admin/accounts/organisation/add/").status_code == 403
    entry = AuditEntry.objects.first()
    assert entry is not None
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_the_admin_never_shows_secret_hashes(world: World) -> None:
    from procura.accounts.services import api_token_create

    token, _ = api_token_create(actor=world.officer, name="ERP", scopes=["read"])
    page = world.client("admin").get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert "ERP" in page
    assert token.token_hash not in page
    assert world.client("admin").get("/admin/otp_totp/totpdevice/").status_code == 404
