"""Signing in and out: password, second factor, setting up an authenticator, throttling, resets."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts.services import totp_current_code
from procura.audit.codes import AuditAction
from procura.audit.models import AuditEntry
from tests import factories
from tests.conftest import World
from tests.web.support import authenticator_set_up_earlier, is_signed_in, text, wrong_code


def _sign_in(client: Client, email: str, password: str = factories.PASSWORD, next_url: str = "") -> object:
    return client.post("/account/sign-in/", {"email": email, "password": password, "next": next_url})


@pytest.mark.django_db
def test_a_supplier_without_two_factor_signs_in_with_a_password(world: World) -> None:
    # given a bid manager without an authenticator
    client = Client()
    # when they sign in, coming from their account page
    response = _sign_in(client, world.bid_manager.email.upper(), next_url="/account/tokens/")
    # then they are signed in and sent back, and the sign-in is audited
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == "/account/tokens/"  # type: ignore[index]
    assert client.get("/account/").status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.USER_SIGNED_IN, actor_id=world.bid_manager.pk).get()
    assert entry.after == {"two_factor": False}


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(world: World, next_url: str) -> None:
    # when someone signs in with a "next" address on another site
    response = _sign_in(Client(), world.bid_manager.email, next_url=next_url)
    # then they land on the home page
    assert response["Location"] == "/"  # type: ignore[index]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "password"),
    [("nobody@test.example", factories.PASSWORD), ("", "whatever"), (None, "wrong password entirely")],
)
def test_a_wrong_email_or_password_gets_one_message_that_reveals_nothing(
    world: World, email: str | None, password: str
) -> None:
    # given a client
    client = Client()
    # when the email is unknown, missing, or the password wrong
    response = _sign_in(client, world.bid_manager.email if email is None else email, password=password)
    # then the form is shown again and nobody is signed in
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert not is_signed_in(client)
    page = text(response)
    if email == "":
        assert '<a href="#id_email">Enter your email address.</a>' in page
    else:
        assert "<li>Email address or password is not right.</li>" in page
        assert "<title>Error: Sign in — Procura</title>" in page


@pytest.mark.django_db
def test_the_password_step_does_not_sign_in_someone_with_an_authenticator(world: World) -> None:
    # given an officer with an authenticator
    authenticator_set_up_earlier(world.officer)
    client = Client()
    # when they enter the right password
    response = _sign_in(client, world.officer.email, next_url="/account/tokens/")
    # then they are asked for the code, and are not signed in yet
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == "/account/sign-in/code/"  # type: ignore[index]
    assert not is_signed_in(client)
    assert client.get("/account/")["Location"] == "/account/sign-in/?next=/account/"
    assert "Enter your security code" in text(client.get("/account/sign-in/code/"))


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_further_tries_are_slowed_down(world: World) -> None:
    # given an officer past the password step
    device = authenticator_set_up_earlier(world.officer)
    client = Client()
    _sign_in(client, world.officer.email)
    # when they enter a wrong code
    response = client.post("/account/sign-in/code/", {"code": wrong_code(device)})
    # then it is refused with a message and they are not signed in
    assert response.status_code == 200
    assert "That code is not right. Enter the code your authenticator app shows now." in text(response)
    assert not is_signed_in(client)
    # and an immediate second try, even with the right code, must wait (django-otp throttling)
    response = client.post("/account/sign-in/code/", {"code": totp_current_code(device)})
    assert "Too many wrong codes. Wait a moment, then enter the code your app shows." in text(response)
    assert not is_signed_in(client)


@pytest.mark.django_db
def test_the_right_code_signs_in_with_a_verified_second_factor(world: World) -> None:
    # given an officer past the password step, who came from the tokens page
    device = authenticator_set_up_earlier(world.officer)
    client = Client()
    _sign_in(client, world.officer.email, next_url="/account/tokens/")
    # when they enter the code their app shows
    response = client.post("/account/sign-in/code/", {"code": totp_current_code(device)})
    # then they are signed in, verified, and sent on
    assert response.status_code == 302
    assert response["Location"] == "/account/tokens/"
    page = client.get("/account/")
    assert page.status_code == 200
    assert page.wsgi_request.user.is_verified()  # type: ignore[union-attr]
    entry = AuditEntry.objects.filter(action=AuditAction.USER_SIGNED_IN, actor_id=world.officer.pk).get()
    assert entry.after == {"two_factor": True}


@pytest.mark.django_db
def test_the_code_page_without_a_password_step_starts_again(world: World) -> None:
    # when someone opens the code page directly
    response = Client().get("/account/sign-in/code/")
    # then they are sent to the password step
    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/"


@pytest.mark.django_db
def test_a_buyer_officer_without_an_authenticator_must_set_one_up(world: World) -> None:
    # given an officer without an authenticator, signed in with their password
    client = Client()
    response = _sign_in(client, world.officer.email, next_url="/account/tokens/")
    assert response["Location"] == "/account/two-factor/?next=%2Faccount%2Ftokens%2F"  # type: ignore[index]
    # then every other page sends them to set up two-factor
    assert client.get("/account/")["Location"] == "/account/two-factor/"
    # when they open the set-up page
    page = client.get("/account/two-factor/?next=/account/tokens/")
    # then it explains why and shows a QR code and the key
    assert page.status_code == 200
    body = text(page)
    assert "Procurement officer — Ministry of Tests" in body
    assert 'src="data:image/svg+xml;' in body
    device = TOTPDevice.objects.get(user=world.officer, confirmed=False)
    assert page.context["key"].replace(" ", "") in device.config_url
    # and reloading the page shows the same authenticator
    client.get("/account/two-factor/")
    assert TOTPDevice.objects.filter(user=world.officer).get() == device


@pytest.mark.django_db
def test_completing_two_factor_set_up_with_the_right_code(world: World) -> None:
    # given an officer on the set-up page
    client = Client()
    _sign_in(client, world.officer.email)
    client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=world.officer, confirmed=False)
    # when a wrong code is entered
    wrong = client.post("/account/two-factor/", {"code": wrong_code(device), "next": "/account/tokens/"})
    # then it is refused, named on the field
    assert wrong.status_code == 200
    assert '<a href="#id_code">That code is not right. Check your app&#x27;s clock and try again.</a>' in text(wrong)
    # and an immediate retry is throttled, even with the right code (the failure was kept)
    throttled = client.post("/account/two-factor/", {"code": totp_current_code(device), "next": "/account/tokens/"})
    assert "Too many wrong codes. Wait a little, then try again." in text(throttled)
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # when the right code is entered after the wait
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - dt.timedelta(seconds=5)
    )
    response = client.post("/account/two-factor/", {"code": totp_current_code(device), "next": "/account/tokens/"})
    # then the authenticator is confirmed, the session verified, and they go on
    assert response.status_code == 302
    assert response["Location"] == "/account/tokens/"
    device.refresh_from_db()
    assert device.confirmed
    page = client.get("/account/")
    assert page.status_code == 200
    assert page.wsgi_request.user.is_verified()  # type: ignore[union-attr]
    assert AuditEntry.objects.filter(action=AuditAction.USER_TWO_FACTOR_ENABLED, actor_id=world.officer.pk).count() == 1


@pytest.mark.django_db
def test_a_session_without_the_second_factor_is_asked_for_the_code(world: World) -> None:
    # given an officer with an authenticator whose session skipped the code
    device = authenticator_set_up_earlier(world.officer)
    client = factories.signed_in_client(world.officer, two_factor=False)
    # when they open the two-factor page
    page = client.get("/account/two-factor/")
    # then they are asked for a code, not offered a new authenticator
    assert "Your account has an authenticator app." in text(page)
    assert TOTPDevice.objects.filter(user=world.officer).count() == 1
    # and the right code verifies the session
    response = client.post("/account/two-factor/", {"code": totp_current_code(device)})
    assert response["Location"] == "/"
    assert client.get("/account/").wsgi_request.user.is_verified()  # type: ignore[union-attr]


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_address_even_for_the_right_one(world: World) -> None:
    # given a client and the failure limit
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    # when the wrong password is entered until the limit
    for _attempt in range(limit - 1):
        response = _sign_in(client, world.bid_manager.email, password="not the password")
        assert response.status_code == 200  # type: ignore[attr-defined]
    last = _sign_in(client, world.bid_manager.email, password="not the password")
    # then the address is locked: even the right password gets the locked-out page
    assert last.status_code == 429  # type: ignore[attr-defined]
    response = _sign_in(client, world.bid_manager.email)
    assert response.status_code == 429  # type: ignore[attr-defined]
    assert "<h1>Too many attempts to sign in</h1>" in text(response)
    assert "Try again in 15 minutes." in text(response)
    assert not is_signed_in(client)


@pytest.mark.django_db
def test_sign_out_asks_on_get_and_signs_out_on_post(world: World) -> None:
    # given a signed-in bid manager
    client = world.client("bid_manager")
    # when they open the sign-out page
    page = client.get("/account/sign-out/")
    # then nothing happens until they press the button
    assert page.status_code == 200
    assert is_signed_in(client)
    response = client.post("/account/sign-out/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not is_signed_in(client)
    assert AuditEntry.objects.filter(action=AuditAction.USER_SIGNED_OUT, actor_id=world.bid_manager.pk).count() == 1
    assert "You have signed out." in text(client.get("/"))


@pytest.mark.django_db
def test_password_reset_by_email_sets_the_password_through_the_service(world: World) -> None:
    # given a bid manager who forgot their password
    client = Client()
    # when they ask for a reset link
    response = client.post("/account/password-reset/", {"email": world.bid_manager.email})
    # then an email with a link on the public address is sent
    assert response["Location"] == "/account/password-reset/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Reset your Procura password"
    match = re.search(re.escape(settings.BASE_URL) + r"(/account/password-reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body)
    assert match is not None
    # when they follow it and choose a weak password
    form_url = client.get(match.group(1))["Location"]
    weak = client.post(form_url, {"password": "password", "password_confirm": "password"})
    # then it is refused with the reason named
    assert weak.status_code == 200
    assert "This password is too short. It must contain at least 10 characters." in text(weak)
    # when they choose a good one
    done = client.post(
        form_url, {"password": "a much better passphrase", "password_confirm": "a much better passphrase"}
    )
    # then the password is changed, audited, and the link no longer works
    assert done["Location"] == "/account/password-reset/complete/"
    world.bid_manager.refresh_from_db()
    assert world.bid_manager.check_password("a much better passphrase")
    entry = AuditEntry.objects.filter(action=AuditAction.USER_PASSWORD_CHANGED, actor_id=world.bid_manager.pk).get()
    assert entry.after == {"reason": "reset"}
    assert "This password reset link does not work" in text(client.get(match.group(1), follow=True))


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(world: World) -> None:
    # when someone asks for a reset of an address with no account
    response = Client().post("/account/password-reset/", {"email": "nobody@test.example"})
    # then the answer is the same and no email leaves
    assert response["Location"] == "/account/password-reset/sent/"
    assert mail.outbox == []
