"""Finding the subscriptions a published tender matches: in the database, one query per tender.

The rule is `domain.matches`; here it becomes SQL. The tender is turned into a few sets (the
prefixes of its CPV codes, its distinct words, its buyer, its value if public) and each criterion
is "not set, or an indexed criteria row hits the set". Keyword phrases of more than one word are
narrowed by their first word in SQL and confirmed in Python on the few candidates.

Only what the public tender page shows is used: an estimate the procedure keeps secret is treated
as unknown, so a value range can neither find the tender nor rule it out (which would reveal it).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from procura.accounts.models import Membership
from procura.alerts import domain
from procura.alerts.models import AlertSubscription, SubscriptionBuyer, SubscriptionClassification, SubscriptionKeyword
from procura.tenders import selectors as tender_selectors
from procura.tenders.models import Tender

# Beyond this many distinct words the keyword narrowing runs the other way round (the distinct
# first words of all keywords are read and intersected here), keeping the query's parameters few.
MAX_WORDS_IN_QUERY = 5_000
CPV = "CPV"


def public_value(tender: Tender) -> Decimal | None:
    """The estimate as the public sees it: None when absent or withheld by the procedure's rules."""
    if not tender_selectors.value_shown(tender):
        return None
    return tender.value_amount


def tender_facts(tender: Tender) -> domain.TenderFacts:
    items = list(tender.items.values_list("description", "classification_scheme", "classification_code"))
    text = " ".join([tender.title, tender.description, *(description for description, _, _ in items)])
    return domain.TenderFacts(
        buyer_id=tender.buyer_id,
        words=domain.words(text),
        classification_codes=[code for _, scheme, code in items if scheme == CPV],
        value=public_value(tender),
        currency=tender.currency,
    )


def _value_condition(facts: domain.TenderFacts) -> Q:
    no_range = Q(value_min__isnull=True, value_max__isnull=True)
    if facts.value is None:
        return no_range
    value = facts.value
    in_range = (
        Q(currency=facts.currency)
        & (Q(value_min__isnull=True) | Q(value_min__lte=value))
        & (Q(value_max__isnull=True) | Q(value_max__gte=value))
    )
    return no_range | in_range


def _first_words(words: set[str]) -> set[str]:
    if len(words) <= MAX_WORDS_IN_QUERY:
        return words
    used = set(SubscriptionKeyword.objects.values_list("first_word", flat=True).distinct())
    return words & used


def _candidates(facts: domain.TenderFacts) -> QuerySet[AlertSubscription]:
    prefixes = set().union(*(domain.code_prefixes(code) for code in facts.classification_codes))
    words = set(facts.words)
    subscription = OuterRef("pk")
    classification = Q(has_classifications=False)
    if prefixes:
        classification |= Q(
            Exists(SubscriptionClassification.objects.filter(subscription=subscription, prefix__in=sorted(prefixes)))
        )
    keyword = Q(has_keywords=False)
    first_words = _first_words(words)
    if first_words:
        keyword |= Q(
            Exists(SubscriptionKeyword.objects.filter(subscription=subscription, first_word__in=sorted(first_words)))
        )
    buyer = Q(has_buyers=False) | Exists(
        SubscriptionBuyer.objects.filter(subscription=subscription, buyer_id=facts.buyer_id)
    )
    # Someone who has left the supplier, or whose account is closed, is told nothing more.
    still_member = Exists(Membership.objects.filter(user=OuterRef("user"), organisation=OuterRef("supplier")))
    return AlertSubscription.objects.filter(
        classification, keyword, buyer, _value_condition(facts), still_member, user__is_active=True
    ).order_by("user_id", "created_at", "id")


def _confirm_phrases(candidates: QuerySet[AlertSubscription], words: list[str]) -> list[AlertSubscription]:
    """The candidates whose keywords really occur as whole phrases. The phrases are read with
    the candidates' query as a subquery, not a list of ids, so the parameters stay few."""
    found = list(candidates)
    if not any(s.has_keywords for s in found):
        return found
    phrases: dict[object, list[str]] = defaultdict(list)
    for subscription_id, phrase in SubscriptionKeyword.objects.filter(
        subscription__in=candidates.filter(has_keywords=True).order_by().values("pk")
    ).values_list("subscription_id", "phrase"):
        phrases[subscription_id].append(phrase)
    occurs = domain.phrase_finder(words)
    return [s for s in found if not s.has_keywords or any(occurs(p) for p in phrases[s.pk])]


def matching_subscriptions(tender: Tender) -> list[AlertSubscription]:
    """Every subscription the published tender matches, by user, their oldest subscription first."""
    facts = tender_facts(tender)
    return _confirm_phrases(_candidates(facts), list(facts.words))
