"""Emails about award decisions: each bidder's bid managers are told a decision notice is waiting,
in their own language, after the decision has committed. The notice itself is on the platform
(the email says the outcome and where to read it; the platform's page is what counts)."""

from __future__ import annotations

import logging
import uuid

from django.core.mail import send_mail
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from procura.accounts.models import Membership
from procura.accounts.roles import Role
from procura.alerts.emails import absolute, in_language_of, one_line, when
from procura.evaluation.models import DecisionNotice

logger = logging.getLogger("procura.evaluation")


def _body(notice: DecisionNotice) -> str:
    content = notice.content or {}
    tender = content.get("tender") or {}
    lot = content.get("lot") or {}
    result = content.get("result") or {}
    lines = [
        _("Tender: %(title)s") % {"title": one_line(str(tender.get("title", "")))},
        _("Lot: %(title)s") % {"title": one_line(str(lot.get("title", "")))},
    ]
    if content.get("winner") is None:
        lines.append(_("The lot was closed without an award."))
    elif result.get("successful"):
        lines.append(_("Your bid was selected for the award."))
    else:
        lines.append(_("Your bid was not selected."))
    until = parse_datetime(str(content.get("complaints_until") or ""))
    if until is not None:
        lines.append(
            _("No contract will be signed before %(end)s. Until then you may file a complaint on the platform.")
            % {"end": when(until)}
        )
    lines.append(
        _("Read the decision, with your scores and the reasons: %(url)s")
        % {"url": absolute(reverse("awards:decision-notice", args=[notice.pk]))}
    )
    return "\n\n".join(lines) + "\n"


def send_decision_notices(award_id: uuid.UUID) -> int:
    """Email every bid manager of every bidder that received a notice of the award. Returns how
    many emails were sent; a failure to send one is logged and does not stop the others."""
    sent = 0
    notices = DecisionNotice.objects.filter(award_id=award_id).select_related("supplier")
    for notice in notices:
        managers = Membership.objects.filter(organisation_id=notice.supplier_id, role=Role.BID_MANAGER).select_related(
            "user"
        )
        for membership in managers:
            user = membership.user
            if not user.is_active or not user.email:
                continue
            with in_language_of(user):
                title = one_line(str((notice.content or {}).get("tender", {}).get("title", "")))
                subject = _("Award decision: %(title)s") % {"title": title}
                body = _body(notice)
            try:
                send_mail(subject, body, None, [user.email])
            except OSError:
                logger.error("decision notice email to %s failed", user.pk, exc_info=True)
                continue
            sent += 1
    return sent
