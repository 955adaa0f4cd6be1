"""Personal API tokens: scoped, expiring, revocable; only a hash is kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from enum import StrEnum

from django.db import transaction
from django.utils.translation import gettext as _

from procura.accounts import access
from procura.accounts.models import ApiToken, User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock
from procura.core.errors import InvalidInput, NotFound

TOKEN_PREFIX = "prc_"
MAX_LIFETIME_DAYS = 366
_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiScope(StrEnum):
    READ = "read"
    WRITE = "write"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, actor: User, name: str, scopes: list[str], expires_in_days: int = 90) -> tuple[ApiToken, str]:
    """Create a token for the actor; the secret is returned once and never stored."""
    access.check_signed_in(actor)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        errors["name"] = [_("Give the token a name of 1 to 100 characters, e.g. the program that will use it.")]
    unknown = sorted(set(scopes) - set(ApiScope))
    if not scopes or unknown:
        errors["scopes"] = [_("Choose scopes from: %(scopes)s.") % {"scopes": ", ".join(ApiScope)}]
    if not 1 <= expires_in_days <= MAX_LIFETIME_DAYS:
        errors["expires_in_days"] = [_("A token lasts between 1 and %(max)s days.") % {"max": MAX_LIFETIME_DAYS}]
    if errors:
        raise InvalidInput(_("The token could not be created."), fields=errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=raw[:12],
            token_hash=_hash(raw),
            scopes=sorted(set(scopes)),
            created_at=now,
            expires_at=now + dt.timedelta(days=expires_in_days),
        )
        audit_record(
            action=AuditAction.API_TOKEN_CREATED,
            actor=actor,
            object_type="api_token",
            object_id=token.pk,
            after={"name": name, "scopes": token.scopes, "expires_at": token.expires_at.isoformat()},
        )
    return token, raw


def api_token_revoke(*, actor: User, token_id: uuid.UUID | str) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor).first()
        if token is None:
            raise NotFound(_("You have no such token."))
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                action=AuditAction.API_TOKEN_REVOKED,
                actor=actor,
                object_type="api_token",
                object_id=token.pk,
                before={"name": token.name},
            )
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token for a presented secret, or None (unknown, revoked, expired, user inactive)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=_hash(raw)).first()
    now = clock.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
