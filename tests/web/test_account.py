"""The person's own pages (profile, API tokens) and editing an organisation's profile."""

from __future__ import annotations

import hashlib
import re

import pytest

from procura.accounts.models import ApiToken, Organisation
from procura.accounts.services import api_token_create
from tests.conftest import World
from tests.web.support import text


@pytest.mark.django_db
def test_the_account_page_shows_status_organisations_and_roles(world: World) -> None:
    # when the officer opens their account
    page = text(world.client("officer").get("/account/"))
    # then it shows their address, confirmation, two-factor and roles
    assert f'{world.officer.email} — <strong class="tag tag-good">Confirmed</strong>' in page
    assert '<dd><strong class="tag tag-good">On</strong> (required for your roles)</dd>' in page
    assert f'<a href="/organisations/{world.buyer.pk}/">Ministry of Tests</a></td> <td>Procurement officer</td>' in page


@pytest.mark.django_db
def test_the_profile_is_saved_through_the_service(world: World) -> None:
    # given the bid manager
    client = world.client("bid_manager")
    # when they change their name and choose Spanish
    response = client.post("/account/", {"full_name": "Grace Hopper", "language": "es"})
    # then it is stored and pages switch to Spanish
    assert response.status_code == 302
    world.bid_manager.refresh_from_db()
    assert (world.bid_manager.full_name, world.bid_manager.language) == ("Grace Hopper", "es")
    assert response.cookies["django_language"].value == "es"
    assert '<html lang="es">' in client.get("/account/").content.decode()


@pytest.mark.django_db
def test_a_profile_without_a_name_is_refused(world: World) -> None:
    # when the name is blanked
    response = world.client("bid_manager").post("/account/", {"full_name": "  ", "language": ""})
    # then the field says so and nothing changes
    assert response.context["form"].errors == {"full_name": ["Enter your full name."]}
    world.bid_manager.refresh_from_db()
    assert world.bid_manager.full_name == "Test Person"


@pytest.mark.django_db
def test_a_new_token_secret_is_shown_once_and_only_its_hash_is_stored(world: World) -> None:
    # given the bid manager
    client = world.client("bid_manager")
    # when they create a token
    response = client.post("/account/tokens/", {"name": "Accounts system", "scopes": ["read"], "expires_in_days": "30"})
    # then the page shows the secret, warns to copy it, and is never cached
    assert response.status_code == 200
    match = re.search(r'value="(prc_[A-Za-z0-9_-]+)"', response.content.decode())
    assert match is not None
    secret = match.group(1)
    assert "Copy it now. It is shown only once" in text(response)
    assert "no-store" in response["Cache-Control"]
    # and only its hash is stored: not the secret, not in the session
    token = ApiToken.objects.get(user=world.bid_manager)
    assert (token.name, token.scopes, token.prefix) == ("Accounts system", ["read"], secret[:12])
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values_list()))
    assert secret not in str(dict(client.session.items()))
    # and the next visit shows the token without its secret
    listing = client.get("/account/tokens/").content.decode()
    assert f"<code>{secret[:12]}…</code>" in listing
    assert secret not in listing


@pytest.mark.django_db
def test_a_token_without_scopes_is_refused_on_the_field(world: World) -> None:
    # when a token is asked for with no scope and too long a life
    response = world.client("bid_manager").post("/account/tokens/", {"name": "ERP", "expires_in_days": "999"})
    # then both fields say why and nothing is created
    assert response.context["form"].errors == {
        "scopes": ["Choose at least one: read or write."],
        "expires_in_days": ["A token lasts at most 366 days."],
    }
    assert not ApiToken.objects.filter(user=world.bid_manager).exists()


@pytest.mark.django_db
def test_a_token_is_revoked_by_its_owner_only(world: World) -> None:
    # given a token of the bid manager
    token, _secret = api_token_create(actor=world.bid_manager, name="ERP", scopes=["read"])
    # when someone else tries to revoke it
    refused = world.client("other_bid_manager").post(f"/account/tokens/{token.pk}/revoke/")
    # then it is not found for them
    assert refused.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    # when its owner revokes it
    response = world.client("bid_manager").post(f"/account/tokens/{token.pk}/revoke/")
    # then it is revoked
    assert response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None


def _organisation_form(organisation: Organisation, **changes: str) -> dict[str, str]:
    fields = [
        "legal_name",
        "identifier_scheme",
        "identifier_id",
        "scale",
        "street_address",
        "locality",
        "region",
        "postal_code",
        "country_code",
        "contact_name",
        "contact_email",
        "contact_telephone",
        "website",
    ]
    return {name: getattr(organisation, name) for name in fields} | changes


@pytest.mark.django_db
def test_a_manager_edits_the_organisation_profile(world: World) -> None:
    # given the bid manager of the small firm
    client = world.client("bid_manager")
    # when they change its name, size and website
    response = client.post(
        f"/organisations/{world.supplier.pk}/edit/",
        _organisation_form(
            world.supplier, legal_name="Small Firm Limited", scale="medium", website="https://small.example"
        ),
    )
    # then the profile is updated
    assert response["Location"] == f"/organisations/{world.supplier.pk}/"
    world.supplier.refresh_from_db()
    assert (world.supplier.legal_name, world.supplier.scale, world.supplier.website) == (
        "Small Firm Limited",
        "medium",
        "https://small.example",
    )


@pytest.mark.django_db
def test_bad_organisation_details_are_named_and_nothing_changes(world: World) -> None:
    # when the register code is malformed and the country unknown
    response = world.client("officer").post(
        f"/organisations/{world.buyer.pk}/edit/",
        _organisation_form(world.buyer, identifier_scheme="GBCOH", country_code="XX"),
    )
    # then each field says why
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "identifier_scheme": ["Enter a register code in the org-id style, such as GB-COH or ES-DIR3."],
        "country_code": ["Choose a country."],
    }
    # and a buyer's form has no business size
    assert 'name="scale"' not in response.content.decode()
    world.buyer.refresh_from_db()
    assert world.buyer.identifier_scheme == "GB-COH"


@pytest.mark.django_db
def test_an_identifier_already_registered_is_refused_on_its_field(world: World) -> None:
    # when the ministry takes the identifier of the other council
    response = world.client("officer").post(
        f"/organisations/{world.buyer.pk}/edit/",
        _organisation_form(world.buyer, identifier_id=world.other_buyer.identifier_id),
    )
    # then the service's refusal is on the identifier field
    assert response.status_code == 200
    assert response.context["form"].errors == {"identifier_id": ["This identifier is already registered."]}


@pytest.mark.django_db
def test_a_member_who_does_not_manage_cannot_post_an_edit(world: World) -> None:
    # when an evaluator posts new details
    response = world.client("evaluator").post(
        f"/organisations/{world.buyer.pk}/edit/", _organisation_form(world.buyer, legal_name="Hijacked")
    )
    # then it is refused and nothing changes
    assert response.status_code == 403
    world.buyer.refresh_from_db()
    assert world.buyer.legal_name == "Ministry of Tests"
