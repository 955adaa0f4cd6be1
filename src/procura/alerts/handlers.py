"""Tender events → notifications, in the tender's own transaction; emails only after it commits.

Subscribed in AlertsConfig.ready(). A handler writes rows and nothing else: if the tender's
change rolls back, its notifications vanish with it and no email is queued.
"""

from __future__ import annotations

from django.db import transaction

from procura.alerts import services
from procura.alerts.domain import Frequency, NotificationKind
from procura.alerts.models import Notification
from procura.core import events
from procura.tenders import events as tender_events
from procura.tenders.models import Amendment, Clarification


def _email_after_commit(notifications: list[Notification]) -> None:
    ids = [str(n.pk) for n in notifications if n.delivery == Frequency.IMMEDIATE]
    if not ids:
        return
    from procura.alerts.tasks import email_alerts_now

    # robust: a queue that is down must not turn a committed change into an error; the
    # catch-up job sends what was not queued.
    transaction.on_commit(lambda: email_alerts_now(ids), robust=True)


def on_tender_published(event: tender_events.TenderPublished) -> None:
    _email_after_commit(services.notify_new_tender(tender_id=event.tender_id))


def on_tender_amended(event: tender_events.TenderAmended) -> None:
    amendment = Amendment.objects.filter(pk=event.amendment_id).only("rationale").first()
    _email_after_commit(
        services.notify_followers(
            tender_id=event.tender_id,
            kind=NotificationKind.AMENDMENT,
            source_id=event.amendment_id,
            summary=amendment.rationale if amendment is not None else "",
        )
    )


def on_tender_cancelled(event: tender_events.TenderCancelled) -> None:
    _email_after_commit(
        services.notify_followers(tender_id=event.tender_id, kind=NotificationKind.CANCELLATION, summary=event.reason)
    )


def on_clarification_answered(event: tender_events.ClarificationAnswered) -> None:
    # Only the answer: who asked is never published.
    clarification = Clarification.objects.filter(pk=event.clarification_id).only("answer").first()
    _email_after_commit(
        services.notify_followers(
            tender_id=event.tender_id,
            kind=NotificationKind.ANSWER,
            source_id=event.clarification_id,
            summary=clarification.answer if clarification is not None else "",
        )
    )


def connect() -> None:
    events.subscribe(tender_events.TenderPublished, on_tender_published)
    events.subscribe(tender_events.TenderAmended, on_tender_amended)
    events.subscribe(tender_events.TenderCancelled, on_tender_cancelled)
    events.subscribe(tender_events.ClarificationAnswered, on_clarification_answered)
