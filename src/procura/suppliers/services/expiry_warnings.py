"""Warnings to a supplier's bid managers that a qualification document expires soon, or has.

A daily job (tasks.py) calls `qualification_expiry_warnings_send`. Each document gets each
warning (30 days, 7 days, expired) at most once: the `ExpiryWarning` row is inserted under a
unique constraint in the same transaction that sends the mails, so a concurrent or repeated run
finds it and sends nothing. If sending fails the row rolls back with it and the next run tries
again (a person may then get that one warning twice, but never miss it).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procura.accounts.models import User
from procura.core import clock
from procura.suppliers import domain, selectors
from procura.suppliers.domain import ExpiryThreshold
from procura.suppliers.models import ExpiryWarning, QualificationDocument, QualificationKind

logger = logging.getLogger(__name__)


def qualification_expiry_warnings_send(*, on: dt.date | None = None) -> int:
    """Send the warnings due on `on` (today if None); returns how many documents were warned about."""
    day = on or selectors.today()
    warned = 0
    for qualification in selectors.expiring_qualifications(within_days=domain.WARN_DAYS, on=day):
        threshold = domain.warning_due(qualification.expires_on, day)
        if threshold is None:
            continue
        try:
            if _warn(qualification, threshold, day):
                warned += 1
        except Exception:  # one failed mail must not stop the others; the next run tries again
            logger.exception(
                "qualification expiry warning failed",
                extra={"qualification": str(qualification.pk), "threshold": str(threshold)},
            )
    return warned


def _warn(qualification: QualificationDocument, threshold: ExpiryThreshold, day: dt.date) -> bool:
    with transaction.atomic():
        current = (
            QualificationDocument.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(pk=qualification.pk, removed_at__isnull=True)
            .first()
        )
        if current is None or current.expires_on is None or domain.warning_due(current.expires_on, day) != threshold:
            return False
        if ExpiryWarning.objects.filter(qualification=current, threshold=threshold).exists():
            return False
        recipients = selectors.bid_managers_of(current.organisation)
        try:
            with transaction.atomic():
                ExpiryWarning.objects.create(
                    qualification=current,
                    threshold=threshold,
                    expires_on=current.expires_on,
                    recipients=len(recipients),
                    sent_at=clock.now(),
                )
        except IntegrityError:
            return False  # another run sent it at the same moment
        for person in recipients:
            _send(person, current, threshold, day)
    return True


def _send(person: User, qualification: QualificationDocument, threshold: ExpiryThreshold, day: dt.date) -> None:
    """One warning to one bid manager, in their language."""
    expires_on = qualification.expires_on
    assert expires_on is not None
    link = settings.BASE_URL + reverse("suppliers:supplier-register", args=[qualification.organisation_id])
    with translation.override(person.language or settings.LANGUAGE_CODE):
        values: dict[str, Any] = {
            "name": person.full_name,
            "title": qualification.title,
            "kind": QualificationKind(qualification.kind).label,
            "organisation": qualification.organisation.legal_name,
            "date": expires_on.isoformat(),
            "link": link,
        }
        if threshold == ExpiryThreshold.EXPIRED:
            subject = _("“%(title)s” of %(organisation)s has expired") % values
            body = (
                _(
                    "Hello %(name)s,\n\n"
                    "The qualification document “%(title)s” (%(kind)s) of %(organisation)s expired on %(date)s. "
                    "Bids can no longer rely on it. Upload the current document to the supplier register:\n"
                    "%(link)s\n"
                )
                % values
            )
        elif expires_on == day:
            subject = _("“%(title)s” of %(organisation)s expires today") % values
            body = (
                _(
                    "Hello %(name)s,\n\n"
                    "The qualification document “%(title)s” (%(kind)s) of %(organisation)s expires today, %(date)s. "
                    "Upload the renewed document to the supplier register, so your bids can rely on it:\n"
                    "%(link)s\n"
                )
                % values
            )
        else:
            days = (expires_on - day).days
            values["days"] = days
            subject = (
                ngettext(
                    "“%(title)s” of %(organisation)s expires in %(days)d day",
                    "“%(title)s” of %(organisation)s expires in %(days)d days",
                    days,
                )
                % values
            )
            body = (
                ngettext(
                    "Hello %(name)s,\n\n"
                    "The qualification document “%(title)s” (%(kind)s) of %(organisation)s expires on %(date)s, "
                    "in %(days)d day. Upload the renewed document to the supplier register before then, so "
                    "your bids can rely on it:\n%(link)s\n",
                    "Hello %(name)s,\n\n"
                    "The qualification document “%(title)s” (%(kind)s) of %(organisation)s expires on %(date)s, "
                    "in %(days)d days. Upload the renewed document to the supplier register before then, so "
                    "your bids can rely on it:\n%(link)s\n",
                    days,
                )
                % values
            )
    send_mail(subject, body, None, [person.email])
