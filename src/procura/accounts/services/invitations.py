"""Invitations: a member manager invites someone by email to take a role in their organisation."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from procura.accounts import access
from procura.accounts.models import Invitation, Membership, Organisation, User
from procura.accounts.roles import OrganisationKind, Role, role_allowed
from procura.accounts.services.organisations import membership_grant
from procura.accounts.services.users import clean_email, user_register
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock
from procura.core.errors import Conflict, InvalidInput, NotFound, RuleViolation


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return settings.BASE_URL + reverse("accounts:invitation", args=[token])


def invitation_create(*, actor: User, organisation: Organisation, email: str, role: str) -> tuple[Invitation, str]:
    """Invite `email` to `organisation` as `role`. Returns the invitation and its secret token,
    which is emailed and never stored (only its hash is)."""
    access.check_can_manage_members(actor, organisation)
    email = clean_email(email)
    if not role_allowed(organisation.kind, role):
        raise InvalidInput.for_field(
            "role",
            _("Choose a role that a %(kind)s organisation has.") % {"kind": OrganisationKind(organisation.kind).label},
        )
    now = clock.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        if Membership.objects.filter(organisation=organisation, user__email__iexact=email, role=role).exists():
            raise Conflict.for_field("email", _("This person already has that role here."))
        if Invitation.objects.filter(
            organisation=organisation,
            email__iexact=email,
            role=role,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).exists():
            raise Conflict.for_field("email", _("An invitation for this person and role is already waiting."))
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            token_hash=_hash(token),
            invited_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.INVITATION_LIFETIME_DAYS),
        )
        audit_record(
            action=AuditAction.INVITATION_SENT,
            actor=actor,
            organisation_id=organisation.pk,
            object_type="invitation",
            object_id=invitation.pk,
            after={"email": email, "role": role, "expires_at": invitation.expires_at.isoformat()},
        )
        role_label = Role(role).label
        transaction.on_commit(
            lambda: send_mail(
                _("You are invited to join %(organisation)s on Procura") % {"organisation": organisation},
                _(
                    "%(inviter)s invites you to join %(organisation)s on Procura as %(role)s.\n\n"
                    "Accept the invitation by opening this link before %(expires)s:\n%(link)s\n"
                )
                % {
                    "inviter": actor.full_name,
                    "organisation": organisation,
                    "role": role_label,
                    "expires": invitation.expires_at.strftime("%Y-%m-%d %H:%M UTC"),
                    "link": invitation_link(token),
                },
                None,
                [email],
            )
        )
    return invitation, token


def invitation_by_token(token: str) -> Invitation:
    invitation = Invitation.objects.select_related("organisation").filter(token_hash=_hash(token or "")).first()
    if invitation is None:
        raise NotFound(_("This invitation link is not valid. Ask for a new invitation."))
    return invitation


def check_invitation_usable(invitation: Invitation) -> None:
    """Raise RuleViolation saying why an invitation can no longer be used."""
    if invitation.revoked_at is not None:
        raise RuleViolation(_("This invitation was withdrawn. Ask for a new invitation."))
    if invitation.accepted_at is not None:
        raise RuleViolation(_("This invitation has already been used."))
    if invitation.expires_at <= clock.now():
        raise RuleViolation(_("This invitation has expired. Ask for a new invitation."))


def _accept(invitation: Invitation, user: User) -> Invitation:
    if user.email.lower() != invitation.email.lower():
        raise RuleViolation(
            _("This invitation is for %(email)s. Sign in with that address to accept it.") % {"email": invitation.email}
        )
    membership_grant(actor=None, user=user, organisation=invitation.organisation, role=invitation.role)
    invitation.accepted_at = clock.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if user.email_verified_at is None:
        # Opening the emailed link proves the address.
        user.email_verified_at = invitation.accepted_at
        user.save(update_fields=["email_verified_at"])
    audit_record(
        action=AuditAction.INVITATION_ACCEPTED,
        actor=user,
        organisation_id=invitation.organisation_id,
        object_type="invitation",
        object_id=invitation.pk,
        after={"role": invitation.role},
    )
    return invitation


def invitation_accept(*, token: str, user: User) -> Invitation:
    """A signed-in person accepts an invitation sent to their address. Single use."""
    access.check_signed_in(user)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_by_token(token).pk)
        check_invitation_usable(invitation)
        return _accept(invitation, user)


def invitation_accept_as_new_user(*, token: str, full_name: str, password: str, language: str = "") -> User:
    """Someone without an account accepts: the account is created for the invited address."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation_by_token(token).pk)
        check_invitation_usable(invitation)
        user = user_register(
            email=invitation.email,
            password=password,
            full_name=full_name,
            language=language,
            email_verified=True,
        )
        _accept(invitation, user)
    return user


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
        access.check_can_manage_members(actor, invitation.organisation)
        if invitation.accepted_at is not None:
            raise RuleViolation(_("This invitation has already been accepted."))
        if invitation.revoked_at is None:
            invitation.revoked_at = clock.now()
            invitation.save(update_fields=["revoked_at"])
            audit_record(
                action=AuditAction.INVITATION_REVOKED,
                actor=actor,
                organisation_id=invitation.organisation_id,
                object_type="invitation",
                object_id=invitation.pk,
                before={"email": invitation.email, "role": invitation.role},
            )
    return invitation
