"""A person's alerts: subscriptions and their criteria, following tenders, and the feed link."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procura.accounts.models import Organisation, User
from procura.accounts.roles import OrganisationKind
from procura.alerts import access, domain
from procura.alerts.models import (
    AlertFeed,
    AlertSubscription,
    SubscriptionBuyer,
    SubscriptionClassification,
    SubscriptionKeyword,
    TenderFollow,
)
from procura.alerts.selectors import feed_token_hash
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.classifications.selectors import classification_search
from procura.core import clock
from procura.core.errors import RuleViolation
from procura.core.values import Problems, clean_text
from procura.planning.services.values import clean_amount, clean_currency
from procura.tenders.models import Tender

NAME_LIMIT = 200
KEYWORD_LIMIT = 100
MAX_SUBSCRIPTIONS = 50
MAX_CLASSIFICATIONS = 50
MAX_KEYWORDS = 50
MAX_BUYERS = 100


@dataclass(frozen=True, kw_only=True)
class SubscriptionDetails:
    """What a person asks to be told about; validated by `clean()`. Empty criteria mean any.

    `classifications` are CPV codes or their first digits ("4521", "45210000-2"); `keywords`
    words or phrases; `buyer_ids` buyer organisations; the value range is in `currency`.
    """

    name: str
    frequency: str = domain.Frequency.IMMEDIATE
    classifications: Sequence[str] = ()
    keywords: Sequence[str] = ()
    buyer_ids: Sequence[uuid.UUID | str] = ()
    value_min: Decimal | int | str | None = None
    value_max: Decimal | int | str | None = None
    currency: str = ""

    def clean(self) -> _Cleaned:
        """The values to store, or InvalidInput naming every bad field."""
        problems = Problems()
        name = clean_text(
            self.name,
            field="name",
            problems=problems,
            max_length=NAME_LIMIT,
            required=_("Give the alert a name, such as Road works in the north."),
        )
        if self.frequency not in {frequency.value for frequency in domain.Frequency}:
            problems.add("frequency", _("Choose immediately or in a daily summary."))
        cleaned = _Cleaned(
            name=name,
            frequency=str(self.frequency),
            prefixes=_prefixes(self.classifications, problems),
            keywords=_keywords(self.keywords, problems),
            buyers=_buyers(self.buyer_ids, problems),
        )
        _value_range(self, cleaned, problems)
        problems.raise_if_any(_("Some details of the alert need correcting."))
        return cleaned


@dataclass(kw_only=True)
class _Cleaned:
    name: str
    frequency: str
    prefixes: list[str]
    keywords: list[tuple[str, str]]  # (as typed, as compared)
    buyers: list[Organisation]
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    currency: str = ""


def _too_many(problems: Problems, name: str, values: Sequence[Any], limit: int) -> bool:
    if len(values) <= limit:
        return False
    problems.add(
        name,
        ngettext("Enter at most %(count)d value.", "Enter at most %(count)d values.", limit) % {"count": limit},
    )
    return True


def _strings(values: Any, name: str, problems: Problems) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        problems.add(name, _("Enter a list."))
        return []
    if not all(isinstance(value, str) for value in values):
        problems.add(name, _("Enter text."))
        return []
    return [value.strip() for value in values if value.strip()]


def _prefixes(values: Sequence[str], problems: Problems) -> list[str]:
    typed = _strings(values, "classifications", problems)
    if _too_many(problems, "classifications", typed, MAX_CLASSIFICATIONS):
        return []
    prefixes = []
    for value in typed:
        prefix = domain.classification_prefix(value)
        if prefix is None:
            message = _(
                "“%(value)s” is not a CPV code or its first digits: enter digits such as 4521 or a code such "
                "as 45210000-2."
            )
            problems.add("classifications", message % {"value": value[:40]})
        elif not classification_search(scheme="CPV", query=prefix, limit=1):
            problems.add("classifications", _("No CPV code starts with %(prefix)s.") % {"prefix": prefix})
        else:
            prefixes.append(prefix)
    return domain.distinct(prefixes)


def _keywords(values: Sequence[str], problems: Problems) -> list[tuple[str, str]]:
    typed = _strings(values, "keywords", problems)
    if _too_many(problems, "keywords", typed, MAX_KEYWORDS):
        return []
    found: dict[str, str] = {}
    for value in typed:
        if "\x00" in value:
            problems.add("keywords", _("Remove the null characters from this text."))
            continue
        if len(value) > KEYWORD_LIMIT:
            problems.add(
                "keywords",
                _("Shorten “%(value)s…” to at most %(count)d characters.")
                % {"value": value[:30], "count": KEYWORD_LIMIT},
            )
            continue
        phrase = domain.keyword_phrase(value)
        if not phrase:
            problems.add("keywords", _("“%(value)s” has no words to look for.") % {"value": value})
            continue
        found.setdefault(phrase, value)
    return [(typed_as, phrase) for phrase, typed_as in found.items()]


def _buyers(values: Sequence[uuid.UUID | str], problems: Problems) -> list[Organisation]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        problems.add("buyer_ids", _("Enter a list."))
        return []
    if _too_many(problems, "buyer_ids", values, MAX_BUYERS):
        return []
    ids: list[uuid.UUID] = []
    for value in values:
        try:
            ids.append(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            problems.add("buyer_ids", _("Choose buyers from the list."))
            return []
    found = {org.pk: org for org in Organisation.objects.filter(pk__in=set(ids), kind=OrganisationKind.BUYER)}
    if len(found) != len(set(ids)):
        problems.add("buyer_ids", _("Choose buyers from the list: one of them is not a buyer on Procura."))
        return []
    return [found[key] for key in dict.fromkeys(ids)]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _value_range(details: SubscriptionDetails, cleaned: _Cleaned, problems: Problems) -> None:
    if _blank(details.value_min) and _blank(details.value_max):
        if not _blank(details.currency):
            cleaned.currency = clean_currency(details.currency, field="currency", problems=problems)
        return
    currency = clean_currency(details.currency, field="currency", problems=problems)
    if "currency" in problems:
        problems.fields["currency"] = [_("Enter the currency of the value range, such as EUR or USD.")]
    bounds = {}
    for name, value in (("value_min", details.value_min), ("value_max", details.value_max)):
        if not _blank(value):
            bounds[name] = clean_amount(value, currency=currency, field=name, problems=problems, required="")
    cleaned.value_min = bounds.get("value_min")
    cleaned.value_max = bounds.get("value_max")
    cleaned.currency = currency
    if cleaned.value_min is not None and cleaned.value_max is not None and cleaned.value_min > cleaned.value_max:
        problems.add("value_max", _("The maximum value must not be less than the minimum."))


# --- Subscriptions ----------------------------------------------------------------------------------
def _write_criteria(subscription: AlertSubscription, cleaned: _Cleaned) -> None:
    subscription.classifications.all().delete()
    subscription.keywords.all().delete()
    subscription.buyers.all().delete()
    SubscriptionClassification.objects.bulk_create(
        SubscriptionClassification(subscription=subscription, prefix=prefix, position=i)
        for i, prefix in enumerate(cleaned.prefixes)
    )
    SubscriptionKeyword.objects.bulk_create(
        SubscriptionKeyword(
            subscription=subscription, text=text, phrase=phrase, first_word=phrase.split()[0], position=i
        )
        for i, (text, phrase) in enumerate(cleaned.keywords)
    )
    SubscriptionBuyer.objects.bulk_create(
        SubscriptionBuyer(subscription=subscription, buyer=buyer) for buyer in cleaned.buyers
    )


def _apply(subscription: AlertSubscription, supplier: Organisation, cleaned: _Cleaned) -> None:
    subscription.supplier = supplier
    subscription.name = cleaned.name
    subscription.frequency = cleaned.frequency
    subscription.has_classifications = bool(cleaned.prefixes)
    subscription.has_keywords = bool(cleaned.keywords)
    subscription.has_buyers = bool(cleaned.buyers)
    subscription.value_min = cleaned.value_min
    subscription.value_max = cleaned.value_max
    subscription.currency = cleaned.currency if cleaned.value_min is not None or cleaned.value_max is not None else ""


def _audited(subscription: AlertSubscription, cleaned: _Cleaned) -> dict[str, Any]:
    return {
        "name": cleaned.name,
        "supplier": str(subscription.supplier_id),
        "frequency": cleaned.frequency,
        "classifications": cleaned.prefixes,
        "keywords": [text for text, _ in cleaned.keywords],
        "buyers": [str(buyer.pk) for buyer in cleaned.buyers],
        "value_min": subscription.value_min,
        "value_max": subscription.value_max,
        "currency": subscription.currency,
    }


def alert_subscription_create(
    *, actor: User, supplier: Organisation, details: SubscriptionDetails
) -> AlertSubscription:
    """Start telling `actor` about tenders matching `details`, for a supplier they belong to."""
    access.check_can_subscribe_for(actor, supplier)
    cleaned = details.clean()
    with transaction.atomic():
        # The person's row orders concurrent creations, so the limit holds.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        if AlertSubscription.objects.filter(user=actor).count() >= MAX_SUBSCRIPTIONS:
            raise RuleViolation(
                _("You have %(count)d alerts, the most one person can have: change or delete one first.")
                % {"count": MAX_SUBSCRIPTIONS}
            )
        now = clock.now()
        subscription = AlertSubscription(user=actor, created_at=now, updated_at=now)
        _apply(subscription, supplier, cleaned)
        subscription.save()
        _write_criteria(subscription, cleaned)
        audit_record(
            action=AuditAction.ALERT_SUBSCRIPTION_SAVED,
            actor=actor,
            organisation_id=supplier.pk,
            object_type="alert_subscription",
            object_id=subscription.pk,
            after=_audited(subscription, cleaned),
        )
    return subscription


def alert_subscription_update(
    *, actor: User, subscription: AlertSubscription, supplier: Organisation, details: SubscriptionDetails
) -> AlertSubscription:
    """Change what a subscription asks for; notifications already written stay as they were."""
    access.check_can_manage_subscription(actor, subscription)
    access.check_can_subscribe_for(actor, supplier)
    cleaned = details.clean()
    with transaction.atomic():
        subscription = AlertSubscription.objects.select_for_update().get(pk=subscription.pk)
        _apply(subscription, supplier, cleaned)
        subscription.updated_at = clock.now()
        subscription.save()
        _write_criteria(subscription, cleaned)
        audit_record(
            action=AuditAction.ALERT_SUBSCRIPTION_SAVED,
            actor=actor,
            organisation_id=supplier.pk,
            object_type="alert_subscription",
            object_id=subscription.pk,
            after=_audited(subscription, cleaned),
        )
    return subscription


def alert_subscription_delete(*, actor: User, subscription: AlertSubscription) -> None:
    """Stop a subscription. Its past notifications stay in the person's list and feed."""
    access.check_can_manage_subscription(actor, subscription)
    with transaction.atomic():
        audit_record(
            action=AuditAction.ALERT_SUBSCRIPTION_REMOVED,
            actor=actor,
            organisation_id=subscription.supplier_id,
            object_type="alert_subscription",
            object_id=subscription.pk,
            before={"name": subscription.name},
        )
        AlertSubscription.objects.filter(pk=subscription.pk).delete()


# --- Following tenders ------------------------------------------------------------------------------
def tender_follow(*, actor: User, tender: Tender) -> tuple[TenderFollow, bool]:
    """Follow a published tender (idempotent): the follow, and whether it is new."""
    access.check_can_follow(actor, tender)
    with transaction.atomic():
        follow, created = TenderFollow.objects.get_or_create(
            user=actor, tender=tender, defaults={"created_at": clock.now()}
        )
        if created:
            audit_record(
                action=AuditAction.TENDER_FOLLOWED,
                actor=actor,
                object_type="tender",
                object_id=tender.pk,
                after={"ocid": tender.ocid},
            )
    return follow, created


def tender_unfollow(*, actor: User, tender: Tender) -> bool:
    """Stop following (idempotent): whether the person was following."""
    access.check_can_use_alerts(actor)
    with transaction.atomic():
        removed, _count = TenderFollow.objects.filter(user=actor, tender=tender).delete()
        if removed:
            audit_record(
                action=AuditAction.TENDER_UNFOLLOWED,
                actor=actor,
                object_type="tender",
                object_id=tender.pk,
                before={"ocid": tender.ocid},
            )
    return bool(removed)


# --- The personal feed ------------------------------------------------------------------------------
def alert_feed_reset(*, actor: User) -> str:
    """Make a new secret feed token, replacing any earlier one (its links stop working).

    Returns the token, the only time it exists in the clear: only its hash is stored.
    """
    access.check_can_use_alerts(actor)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed = AlertFeed.objects.select_for_update().filter(user=actor).first()
        replaced = feed is not None
        if feed is None:
            feed = AlertFeed(user=actor)
        feed.token_hash = feed_token_hash(token)
        feed.created_at = clock.now()
        feed.save()
        audit_record(
            action=AuditAction.ALERT_FEED_TOKEN_RESET,
            actor=actor,
            object_type="alert_feed",
            object_id=feed.pk,
            after={"replaced": replaced},
        )
    return token
