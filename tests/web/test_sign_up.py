"""Supplier sign-up and email confirmation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from procura.accounts.models import Membership, Organisation, User
from procura.accounts.roles import OrganisationKind, Role
from tests import factories
from tests.conftest import World
from tests.web.support import is_signed_in, text

GOOD = {
    "full_name": "Ada Lovelace",
    "email": "ada@engines.example",
    "password": "analytical engine 1843",
    "password_confirm": "analytical engine 1843",
    "legal_name": "Analytical Engines Ltd",
    "identifier_scheme": "GB-COH",
    "identifier_id": "01843001",
    "country_code": "GB",
    "scale": "micro",
    "street_address": "12 Marylebone Road",
    "locality": "London",
    "postal_code": "NW1 5LR",
    "contact_telephone": "+44 20 7946 0000",
}


@pytest.mark.django_db
def test_a_supplier_registers_themself_and_their_business(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given a visitor
    client = Client()
    # when they register
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/sign-up/", GOOD)
    # then a user, a supplier organisation and a bid-manager membership exist, and they are signed in
    assert response.status_code == 302
    assert response["Location"] == "/account/sign-up/complete/"
    user = User.objects.get(email="ada@engines.example")
    organisation = Organisation.objects.get(identifier_scheme="GB-COH", identifier_id="01843001")
    assert (organisation.legal_name, organisation.kind, organisation.scale) == (
        "Analytical Engines Ltd",
        OrganisationKind.SUPPLIER,
        "micro",
    )
    assert (organisation.locality, organisation.postal_code) == ("London", "NW1 5LR")
    assert list(Membership.objects.filter(user=user).values_list("organisation_id", "role")) == [
        (organisation.pk, Role.BID_MANAGER)
    ]
    assert user.email_verified_at is None
    assert is_signed_in(client)
    assert client.session["procura.active_organisation"] == str(organisation.pk)
    # and they are told to confirm their address, which was emailed
    page = text(client.get("/account/sign-up/complete/"))
    assert "Check your email to confirm your address" in page
    assert "We have sent a link to <strong>ada@engines.example</strong>." in page
    assert [m.to for m in mail.outbox] == [["ada@engines.example"]]


@pytest.mark.django_db
def test_bad_sign_up_input_names_every_field_and_creates_nothing(world: World) -> None:
    # given details with a bad email, short password, malformed register and no size
    data = {**GOOD, "email": "not-an-email", "password": "short", "password_confirm": "short"}
    data["identifier_scheme"] = "companies house"
    del data["scale"]
    users, organisations = User.objects.count(), Organisation.objects.count()
    # when they are sent
    response = Client().post("/account/sign-up/", data)
    # then the form comes back with each field's error, linked from the summary
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "password", "identifier_scheme", "scale"}
    page = text(response)
    assert "<title>Error: Register your business — Procura</title>" in page
    assert '<a href="#id_email">Enter an email address in the correct format, like name@example.com.</a>' in page
    assert '<a href="#id_password">This password is too short. It must contain at least 10 characters.</a>' in page
    assert (
        '<a href="#id_identifier_scheme">Enter a register code in the org-id style, such as GB-COH or ES-DIR3.</a>'
        in page
    )
    assert '<a href="#id_scale_0">Choose the size of the business.</a>' in page
    assert 'aria-invalid="true" aria-describedby="id_email_helptext id_email_error" id="id_email"' in page
    assert '<p class="error-message" id="id_email_error">' in page
    assert 'aria-describedby="id_scale_helptext id_scale_error"' in page
    # and nothing is stored, nothing sent
    assert (User.objects.count(), Organisation.objects.count()) == (users, organisations)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_refusal_from_the_service_is_shown_on_its_field(world: World) -> None:
    # given an address that already has an account
    data = {**GOOD, "email": world.bid_manager.email}
    organisations = Organisation.objects.count()
    # when someone signs up with it
    response = Client().post("/account/sign-up/", data)
    # then the service's message is on the email field and no organisation is left behind
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["An account with this email address already exists."]}
    assert Organisation.objects.count() == organisations


@pytest.mark.django_db
def test_passwords_that_differ_are_refused(world: World) -> None:
    # when the confirmation differs
    response = Client().post("/account/sign-up/", {**GOOD, "password_confirm": "analytical engine 1844"})
    # then only that is reported
    assert response.context["form"].errors == {"password_confirm": ["The passwords do not match."]}
    assert not User.objects.filter(email="ada@engines.example").exists()


@pytest.mark.django_db
def test_the_country_list_is_in_the_page_language(world: World) -> None:
    # given a Spanish-speaking visitor
    client = Client()
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    # when they open the sign-up form
    page = client.get("/account/sign-up/").content.decode()
    # then countries are named in Spanish, and the operator's country is chosen
    assert '<option value="DE">Alemania</option>' in page
    assert '<option value="GB" selected>Reino Unido</option>' in page


@pytest.mark.django_db
def test_the_emailed_link_confirms_the_address(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given a new supplier and the link they were emailed
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/sign-up/", GOOD)
    link = re.search(r"https?://\S+(/account/verify-email/\S+/)", mail.outbox[0].body)
    assert link is not None
    # when they open it
    response = client.get(link.group(1))
    # then the address is confirmed
    assert response.status_code == 200
    assert "<h1>Email address confirmed</h1>" in text(response)
    assert User.objects.get(email="ada@engines.example").email_verified_at is not None


@pytest.mark.django_db
def test_a_broken_link_explains_and_offers_a_new_one(world: World) -> None:
    # given a signed-in person whose address is not confirmed
    person = factories.member(world.supplier, Role.VIEWER, verified=False)
    client = factories.signed_in_client(person, two_factor=False)
    # when they open a broken link
    response = client.get("/account/verify-email/not-a-real-token/")
    # then the page says so and offers to send a new link
    assert response.status_code == 400
    page = text(response)
    assert "This confirmation link is not valid." in page
    assert 'action="/account/verify-email/resend/"' in page
    # when they ask for a new one
    resent = client.post("/account/verify-email/resend/")
    # then it is emailed to them
    assert resent["Location"] == "/account/"
    assert [m.to for m in mail.outbox] == [[person.email]]
    assert "/account/verify-email/" in mail.outbox[0].body
