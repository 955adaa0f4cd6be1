"""Reads of tenders: one tender, a buyer's dashboard, questions and amendments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation
from procura.core import clock
from procura.core.errors import NotFound
from procura.tenders import access
from procura.tenders.domain import TenderStatus, tender_status
from procura.tenders.models import Amendment, Clarification, Tender


def tender_get(ocid: str) -> Tender | None:
    return Tender.objects.select_related("buyer", "procuring_entity", "plan_line").filter(ocid=ocid).first()


def tender_visible(user: Any, ocid: str) -> Tender | None:
    """The tender if it exists and `user` may see it; None otherwise (a draft does not leak)."""
    tender = tender_get(ocid)
    if tender is None or not access.can_view_tender(user, tender):
        return None
    return tender


OCID_MAX_LENGTH = 64  # the longest ocid the platform makes; a longer one names no tender


def visible_tender(user: Any, ocid: str) -> Tender:
    """The tender, looked up by an ocid someone typed (in a URL or a body), if `user` may see it;
    NotFound naming the ocid otherwise: for a draft of another buyer, an unknown ocid, an
    over-long one or one with a NUL character."""
    tender = None
    if len(ocid) <= OCID_MAX_LENGTH and "\x00" not in ocid:
        tender = tender_visible(user, ocid)
    if tender is None:
        raise NotFound(_("There is no tender %(ocid)s.") % {"ocid": ocid[:OCID_MAX_LENGTH].replace("\x00", "")})
    return tender


def status_of(tender: Tender, at: dt.datetime | None = None) -> TenderStatus:
    """The true status now, derived from stored dates; never waits for the sweep."""
    return tender_status(tender.lifecycle, at or clock.now())


def buyer_tenders(buyer: Organisation) -> QuerySet[Tender]:
    return Tender.objects.filter(buyer=buyer).select_related("buyer").order_by("-created_at", "id")


def public_clarifications(tender: Tender) -> list[Clarification]:
    """Answered questions, without who asked them."""
    return list(tender.clarifications.filter(answered_at__isnull=False).select_related("lot").defer("asked_by"))


def clarifications_for_buyer(tender: Tender) -> list[Clarification]:
    return list(tender.clarifications.select_related("lot").order_by("answered_at", "asked_at", "id"))


def clarifications_asked_by(tender: Tender, organisation: Organisation) -> list[Clarification]:
    return list(tender.clarifications.filter(asker_organisation=organisation).order_by("asked_at", "id"))


def unanswered_questions(buyer: Organisation) -> QuerySet[Clarification]:
    return (
        Clarification.objects.filter(tender__buyer=buyer, answered_at__isnull=True)
        .select_related("tender", "lot")
        .order_by("asked_at", "id")
    )


def amendments(tender: Tender) -> list[Amendment]:
    return list(tender.amendments.order_by("made_at", "id"))


def value_shown(tender: Tender) -> bool:
    """Whether the estimated value is public under the tender's procedure rules."""
    return bool(tender.rules.get("procedure", {}).get("value_shown", True))


def is_open_for_bids(tender: Tender, at: dt.datetime | None = None) -> bool:
    return status_of(tender, at) == TenderStatus.TENDERING
