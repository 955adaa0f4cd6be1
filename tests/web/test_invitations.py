"""Invitations: accepting as a new or existing user, unusable links, and the members page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from procura.accounts.models import Invitation, Membership, User
from procura.accounts.roles import Role
from procura.accounts.services import invitation_accept, invitation_create, invitation_revoke
from procura.core import clock
from tests import factories
from tests.conftest import World
from tests.web.support import is_signed_in, text


def _invite(world: World, email: str = "new.person@test.example", role: str = Role.EVALUATOR) -> tuple[Invitation, str]:
    return invitation_create(actor=world.officer, organisation=world.buyer, email=email, role=role)


@pytest.mark.django_db
def test_someone_new_creates_their_account_from_the_invitation(world: World) -> None:
    # given an invitation for an address without an account
    invitation, token = _invite(world)
    client = Client()
    # when they open it
    page = client.get(f"/invitations/{token}/")
    # then it shows who invites them to what, until when, with a form to create the account
    assert page.status_code == 200
    body = text(page)
    assert "<h1>Invitation to join Ministry of Tests</h1>" in body
    assert "<dt>Role</dt><dd>Evaluator</dd>" in body
    assert f"<dt>Invited by</dt><dd>{world.officer.full_name}</dd>" in body
    assert "<dt>For</dt><dd>new.person@test.example</dd>" in body
    assert 'name="full_name"' in body
    # when they fill it in
    response = client.post(
        f"/invitations/{token}/",
        {"full_name": "New Person", "password": "a new long passphrase", "password_confirm": "a new long passphrase"},
    )
    # then the account exists with the role, they are signed in, and (as an evaluator) sent to set up two-factor
    assert response.status_code == 302
    assert response["Location"] == f"/account/two-factor/?next=%2Forganisations%2F{world.buyer.pk}%2F"
    user = User.objects.get(email="new.person@test.example")
    assert user.full_name == "New Person"
    assert user.email_verified_at is not None
    assert list(Membership.objects.filter(user=user).values_list("organisation_id", "role")) == [
        (world.buyer.pk, Role.EVALUATOR)
    ]
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert is_signed_in(client)


@pytest.mark.django_db
def test_a_new_account_needs_a_good_password(world: World) -> None:
    # given an invitation for someone new
    invitation, token = _invite(world)
    # when they choose a password like their email address
    response = Client().post(
        f"/invitations/{token}/",
        {"full_name": "New Person", "password": "new.person@test", "password_confirm": "new.person@test"},
    )
    # then it is refused, named on the field, and nothing is created
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["password"]
    assert not User.objects.filter(email="new.person@test.example").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.django_db
def test_someone_with_an_account_signs_in_then_accepts(world: World) -> None:
    # given an invitation to another supplier for the viewer, who already has an account
    invitation, token = invitation_create(
        actor=world.other_bid_manager, organisation=world.other_supplier, email=world.viewer.email, role=Role.VIEWER
    )
    # when they open it without being signed in
    page = Client().get(f"/invitations/{token}/")
    # then they are sent to sign in and come back here
    assert f'href="/account/sign-in/?next=%2Finvitations%2F{token}%2F"' in page.content.decode()
    assert 'name="full_name"' not in page.content.decode()
    # when they are signed in and accept
    client = Client()
    client.force_login(world.viewer)
    assert "Accept the invitation" in text(client.get(f"/invitations/{token}/"))
    response = client.post(f"/invitations/{token}/")
    # then they have the role and go to the organisation, now their active one
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{world.other_supplier.pk}/"
    assert Membership.objects.filter(user=world.viewer, organisation=world.other_supplier, role=Role.VIEWER).exists()
    assert client.session["procura.active_organisation"] == str(world.other_supplier.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_by == world.viewer


@pytest.mark.django_db
def test_signed_in_as_someone_else_explains_and_offers_to_sign_out(world: World) -> None:
    # given an invitation for someone new, opened by the bid manager
    invitation, token = _invite(world)
    client = world.client("bid_manager")
    # when they open it and even try to accept it
    page = client.get(f"/invitations/{token}/")
    client.post(f"/invitations/{token}/")
    # then it explains, offers to sign out, and nothing is accepted
    body = text(page)
    assert "This invitation is for new.person@test.example, but you are signed in as" in body
    assert '<form method="post" action="/account/sign-out/"' in body
    assert f'<input type="hidden" name="next" value="/invitations/{token}/">' in body
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(user=world.bid_manager, organisation=world.buyer).exists()


@pytest.mark.django_db
def test_an_unknown_invitation_link_is_not_found(world: World) -> None:
    # when someone opens a made-up link
    response = Client().get("/invitations/made-up-token/")
    # then the page says so
    assert response.status_code == 404
    assert "This invitation link is not valid. Ask for a new invitation." in text(response)


@pytest.mark.django_db
def test_expired_used_and_withdrawn_invitations_are_gone(world: World) -> None:
    # given three invitations: one used, one withdrawn, one left to expire
    _used, used_token = _invite(world, "used@test.example")
    invitation_accept(token=used_token, user=factories.user(email="used@test.example"))
    withdrawn, withdrawn_token = _invite(world, "withdrawn@test.example")
    invitation_revoke(actor=world.officer, invitation=withdrawn)
    _expiring, expiring_token = _invite(world, "late@test.example")
    client = Client()
    # when each link is opened (the last one eight days later)
    used = client.get(f"/invitations/{used_token}/")
    revoked = client.get(f"/invitations/{withdrawn_token}/")
    with clock.frozen(clock.now() + dt.timedelta(days=8)):
        expired = client.get(f"/invitations/{expiring_token}/")
        late_post = client.post(
            f"/invitations/{expiring_token}/",
            {"full_name": "Late", "password": "a new long passphrase", "password_confirm": "a new long passphrase"},
        )
    # then each page says why, with 410 Gone, and no account is made
    assert (used.status_code, revoked.status_code, expired.status_code, late_post.status_code) == (410, 410, 410, 410)
    assert "This invitation has already been used." in text(used)
    assert "This invitation was withdrawn. Ask for a new invitation." in text(revoked)
    assert "This invitation has expired. Ask for a new invitation." in text(expired)
    assert not User.objects.filter(email="late@test.example").exists()


# --- The members page ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_manager_invites_someone_by_email(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # given the officer on the members page, which offers only buyer roles
    client = world.client("officer")
    page = client.get(f"/organisations/{world.buyer.pk}/members/").content.decode()
    assert 'value="approver"' in page
    assert 'value="bid_manager"' not in page
    # when they invite an approver
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/organisations/{world.buyer.pk}/members/", {"email": "Budget.Holder@Test.example", "role": "approver"}
        )
    # then the invitation is stored and emailed, and listed as waiting
    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=world.buyer, email="budget.holder@test.example")
    assert invitation.role == Role.APPROVER
    assert [m.to for m in mail.outbox] == [["budget.holder@test.example"]]
    listing = text(client.get(f"/organisations/{world.buyer.pk}/members/"))
    assert "We have sent an invitation to budget.holder@test.example to join as Approver (budget holder)." in listing
    assert "<td>budget.holder@test.example</td>" in listing


@pytest.mark.django_db
def test_an_invitation_with_a_role_the_organisation_lacks_is_refused(world: World) -> None:
    # when the officer invites someone as a bid manager of the ministry
    response = world.client("officer").post(
        f"/organisations/{world.buyer.pk}/members/", {"email": "someone@test.example", "role": "bid_manager"}
    )
    # then the role field says so, and nothing is stored
    assert response.status_code == 200
    assert response.context["form"].errors == {"role": ["Choose one of the roles offered."]}
    assert '<a href="#id_role_0">Choose one of the roles offered.</a>' in text(response)
    assert not Invitation.objects.filter(email="someone@test.example").exists()


@pytest.mark.django_db
def test_a_second_invitation_for_the_same_person_and_role_is_refused_on_the_email_field(world: World) -> None:
    # given a waiting invitation
    _invite(world, "twice@test.example", Role.APPROVER)
    # when it is sent again
    response = world.client("officer").post(
        f"/organisations/{world.buyer.pk}/members/", {"email": "twice@test.example", "role": "approver"}
    )
    # then the service's refusal is on the email field
    assert response.context["form"].errors == {"email": ["An invitation for this person and role is already waiting."]}
    assert Invitation.objects.filter(email="twice@test.example").count() == 1


@pytest.mark.django_db
def test_members_who_do_not_manage_cannot_invite(world: World) -> None:
    # when an evaluator posts an invitation
    client = world.client("evaluator")
    page = client.get(f"/organisations/{world.buyer.pk}/members/").content.decode()
    response = client.post(f"/organisations/{world.buyer.pk}/members/", {"email": "x@test.example", "role": "approver"})
    # then there was no form, and the post is refused
    assert "Invite someone" not in page
    assert response.status_code == 403
    assert not Invitation.objects.filter(email="x@test.example").exists()


@pytest.mark.django_db
def test_a_manager_withdraws_an_invitation(world: World) -> None:
    # given a waiting invitation
    invitation, _token = _invite(world)
    # when the officer withdraws it
    response = world.client("officer").post(f"/organisations/{world.buyer.pk}/invitations/{invitation.pk}/withdraw/")
    # then it is withdrawn
    assert response["Location"] == f"/organisations/{world.buyer.pk}/members/"
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


@pytest.mark.django_db
def test_another_organisation_cannot_withdraw_an_invitation(world: World) -> None:
    # given a waiting invitation of the ministry
    invitation, _token = _invite(world)
    # when the other council's officer tries to withdraw it through either organisation
    client = world.client("other_officer")
    own = client.post(f"/organisations/{world.other_buyer.pk}/invitations/{invitation.pk}/withdraw/")
    theirs = client.post(f"/organisations/{world.buyer.pk}/invitations/{invitation.pk}/withdraw/")
    # then it is not found in their own, refused in the ministry's, and still waiting
    assert (own.status_code, theirs.status_code) == (404, 403)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.django_db
def test_a_manager_removes_a_member_but_not_the_last_manager(world: World) -> None:
    # given the ministry's evaluator and its only officer
    evaluator = Membership.objects.get(user=world.evaluator, organisation=world.buyer)
    officer = Membership.objects.get(user=world.officer, organisation=world.buyer)
    client = world.client("officer")
    # when the officer removes the evaluator
    response = client.post(f"/organisations/{world.buyer.pk}/members/{evaluator.pk}/remove/")
    # then the membership is gone
    assert response["Location"] == f"/organisations/{world.buyer.pk}/members/"
    assert not Membership.objects.filter(pk=evaluator.pk).exists()
    # when the officer tries to remove themself, the last manager
    response = client.post(f"/organisations/{world.buyer.pk}/members/{officer.pk}/remove/", follow=True)
    # then it is refused with the reason, and they stay
    assert "Ministry of Tests needs at least one member who can manage members; invite another first." in text(response)
    assert Membership.objects.filter(pk=officer.pk).exists()
