"""What alert emails and feed entries say: plain text, in the reader's language, and only what the
public tender page shows (the estimate only where the procedure publishes it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procura.accounts.models import User
from procura.alerts.domain import NotificationKind
from procura.alerts.matching import public_value
from procura.alerts.models import KIND_LABELS, Notification
from procura.core.money import Money
from procura.tenders.models import Tender


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def language_of(user: User) -> str:
    """The person's language if Procura speaks it, else the site's."""
    language = (user.language or "").strip()
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@contextmanager
def in_language_of(user: User) -> Iterator[str]:
    language = language_of(user)
    with translation.override(language):
        yield language


def absolute(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def tender_url(tender: Tender) -> str:
    return absolute(reverse("tenders:tender", args=[tender.ocid]))


def alerts_url() -> str:
    return absolute(reverse("alerts:alert-home"))


def when(moment: dt.datetime) -> str:
    local = localtime(moment)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname() or ''}".strip()


def one_line(text: str) -> str:
    return " ".join((text or "").split())


def heading(notification: Notification) -> str:
    """ "New tender: Road resurfacing", in the active language."""
    label = KIND_LABELS.get(NotificationKind(notification.kind), notification.kind)
    return _("%(kind)s: %(title)s") % {"kind": label, "title": one_line(notification.tender.title)}


def _reason(notification: Notification) -> str:
    if notification.kind == NotificationKind.NEW_TENDER:
        name = notification.subscription.name if notification.subscription is not None else ""
        if name:
            return _("It matches your alert “%(name)s”.") % {"name": name}
        return _("It matches one of your alerts.")
    if notification.kind == NotificationKind.AMENDMENT:
        return _("A tender you follow has been amended.")
    if notification.kind == NotificationKind.CANCELLATION:
        return _("A tender you follow has been cancelled.")
    return _("A question about a tender you follow has been answered.")


def _detail(notification: Notification) -> str:
    if not notification.summary:
        return ""
    if notification.kind == NotificationKind.AMENDMENT:
        return _("Why it changed: %(text)s") % {"text": notification.summary}
    if notification.kind == NotificationKind.CANCELLATION:
        return _("Reason: %(text)s") % {"text": notification.summary}
    if notification.kind == NotificationKind.ANSWER:
        return _("Answer: %(text)s") % {"text": notification.summary}
    return notification.summary


def tender_facts(notification: Notification, language: str) -> list[str]:
    """The lines every message gives about its tender, as the public page shows it now."""
    tender = notification.tender
    lines = [
        _("Tender: %(title)s") % {"title": one_line(tender.title)},
        _("Buyer: %(buyer)s") % {"buyer": tender.buyer.legal_name},
    ]
    if tender.tender_end is not None:
        lines.append(_("Deadline for bids: %(deadline)s") % {"deadline": when(tender.tender_end)})
    value = public_value(tender)
    if value is not None:
        lines.append(_("Estimated value: %(value)s") % {"value": Money(value, tender.currency).format(language)})
    return lines


def entry_text(notification: Notification, language: str) -> str:
    """The body of one notification: why, the tender's facts, what changed, and the link."""
    parts = [_reason(notification), "\n".join(tender_facts(notification, language))]
    detail = _detail(notification)
    if detail:
        parts.append(detail)
    parts.append(tender_url(notification.tender))
    return "\n\n".join(parts)


def _footer() -> str:
    return _("You get this email because of your alerts on Procura. Change or stop them at %(url)s") % {
        "url": alerts_url()
    }


def immediate_email(notification: Notification) -> Email:
    with in_language_of(notification.user) as language:
        body = f"{entry_text(notification, language)}\n\n-- \n{_footer()}\n"
        return Email(subject=heading(notification), body=body)


def digest_email(user: User, notifications: Sequence[Notification]) -> Email:
    with in_language_of(user) as language:
        count = len(notifications)
        subject = ngettext(
            "Procura: %(count)d update from your alerts", "Procura: %(count)d updates from your alerts", count
        ) % {"count": count}
        blocks = [f"{heading(n)}\n\n{entry_text(n, language)}" for n in notifications]
        separator = "\n\n" + "-" * 40 + "\n\n"
        body = f"{separator.join(blocks)}\n\n-- \n{_footer()}\n"
        return Email(subject=subject, body=body)
