"""Every write to awards: the decision per lot, closing a lot without award, the end of the
standstill, and reading a decision notice.

An award is decided for one lot once every bid of it is qualified or disqualified, for a
qualified bid ranked first (`selectors.ranking`; bids level on points share the first rank) from
a supplier not debarred at that moment. The decision starts the standstill
(`settings.STANDSTILL_DAYS`): a decision notice goes to every bidder of the lot, with its own
result, the winner and the reasons, and until the standstill ends any losing bidder may complain
(`complaints`). The award comes into force (active) when the standstill has ended with no
complaint pending: `awards_activate_due` makes that durable every few minutes, and deciding or
withdrawing the last pending complaint after the standstill does it at once. Whether a contract
may be signed is `selectors.signature_block_reason`, derived from the stored dates, never from
whether the sweep has run.

The tender row is locked while an award is decided, so two decisions for the same tender (two
lots, or two officers on one lot) are taken one after the other; the partial unique constraint
`evaluation_one_standing_award_per_lot` backs the one-award-per-lot rule whatever happens.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from procura.accounts.models import User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.bids.models import Bid, BidOpening, OpenedBid
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from procura.core.money import Money
from procura.core.values import checked_text
from procura.evaluation import award_access as access
from procura.evaluation import selectors
from procura.evaluation.events import AwardActivated, AwardDecided
from procura.evaluation.models import (
    Assessment,
    AssessmentStatus,
    Award,
    AwardStatus,
    ComplaintStatus,
    DecisionNotice,
)
from procura.suppliers.services import check_not_debarred
from procura.tenders.domain import TenderStatus, tender_status
from procura.tenders.models import STATUS_LABELS, Lot, Tender

REASONS_MAX_LENGTH = 20_000


def standstill_period() -> dt.timedelta:
    """How long after an award decision no contract may be signed (settings.STANDSTILL_DAYS)."""
    return dt.timedelta(days=float(settings.STANDSTILL_DAYS))


# --- Shared checks ---------------------------------------------------------------------------------
def _clean_text(value: str, *, field: str, required: str) -> str:
    return checked_text(value, field=field, max_length=REASONS_MAX_LENGTH, required=required)


def _locked_tender(tender_id: uuid.UUID) -> Tender:
    tender = Tender.objects.select_for_update().filter(pk=tender_id).first()
    if tender is None:
        raise NotFound(_("There is no such tender."))
    return Tender.objects.select_related("buyer").get(pk=tender.pk)


def _lot_of(tender: Tender, lot: Lot) -> Lot:
    found = Lot.objects.filter(pk=lot.pk, tender_id=tender.pk).first()
    if found is None:
        raise InvalidInput.for_field("lot", _("Choose a lot of this tender."))
    return found


def _check_award_stage(tender: Tender, now: dt.datetime) -> None:
    """Awards are decided after the opening, while the tender is in evaluation."""
    status = tender_status(tender.lifecycle, now)
    if status != TenderStatus.EVALUATION:
        raise RuleViolation(
            _("An award is decided while the tender is being evaluated; this tender is %(status)s.")
            % {"status": str(STATUS_LABELS[status]).lower()}
        )
    if not BidOpening.objects.filter(tender_id=tender.pk).exists():
        raise RuleViolation(_("The bids of this tender have not been opened yet: there is nothing to award."))


def _check_no_standing_award(lot: Lot) -> None:
    standing = Award.objects.filter(lot=lot).exclude(status=AwardStatus.CANCELLED).first()
    if standing is not None:
        raise Conflict(
            _(
                "The lot %(lot)s already has a decision (%(award)s): it can be decided again only if a complaint "
                "is upheld."
            )
            % {"lot": lot.title, "award": standing.local_id}
        )


def _lot_bids(lot: Lot) -> list[OpenedBid]:
    """The lot's bids as opened, not withdrawn: the bidders every decision notice goes to."""
    return list(
        OpenedBid.objects.filter(bid__lot_id=lot.pk, version__isnull=False)
        .select_related("bid", "bid__supplier")
        .order_by("bid__supplier__legal_name", "bid_id")
    )


def _assessments(bids: Sequence[OpenedBid]) -> dict[uuid.UUID, Assessment]:
    return {a.bid_id: a for a in Assessment.objects.filter(bid_id__in=[o.bid_id for o in bids])}


def _check_all_decided(bids: Sequence[OpenedBid], assessments: dict[uuid.UUID, Assessment]) -> None:
    pending = [
        o for o in bids if o.bid_id not in assessments or assessments[o.bid_id].status == AssessmentStatus.PENDING
    ]
    if pending:
        raise RuleViolation(
            _("%(count)s bid(s) for this lot are still under evaluation: qualify or disqualify every bid first.")
            % {"count": len(pending)}
        )


def _next_local_id(tender: Tender) -> str:
    used = set(Award.objects.filter(tender=tender).values_list("local_id", flat=True))
    number = len(used) + 1
    while f"award-{number}" in used:
        number += 1
    return f"award-{number}"


def _amount(value: Decimal | None, currency: str) -> str | None:
    if value is None:
        return None
    try:
        return f"{Money(Decimal(value), currency).quantized().amount:f}"
    except (ValueError, ArithmeticError):
        return str(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


# --- What the decision records -----------------------------------------------------------------------
def _ranking_snapshot(
    lines: Sequence[selectors.RankedLine],
    bids: Sequence[OpenedBid],
    assessments: dict[uuid.UUID, Assessment],
) -> list[dict[str, Any]]:
    """The ranking as decided: the qualified bids best first, then the disqualified ones. Each
    disqualified bidder's reason goes to it alone, in its notice, not here."""
    snapshot: list[dict[str, Any]] = [
        {
            "bid": str(line.bid.pk),
            "supplier": str(line.supplier.pk),
            "supplier_name": line.supplier.legal_name,
            "status": str(line.status),
            "rank": line.rank,
            "price": _amount(line.price, line.currency),
            "currency": line.currency,
            "price_points": _text(line.price_points),
            "quality_points": _text(line.quality_points),
            "total": _text(line.total),
            "abnormally_low": line.abnormally_low,
        }
        for line in lines
    ]
    ranked = {entry["bid"] for entry in snapshot}
    for opened in bids:
        if str(opened.bid_id) in ranked:
            continue
        assessment = assessments.get(opened.bid_id)
        snapshot.append(
            {
                "bid": str(opened.bid_id),
                "supplier": str(opened.bid.supplier_id),
                "supplier_name": opened.bid.supplier.legal_name,
                "status": assessment.status if assessment is not None else AssessmentStatus.PENDING,
                "rank": None,
                "price": _amount(opened.amount, opened.currency),
                "currency": opened.currency,
                "price_points": None,
                "quality_points": None,
                "total": None,
                "abnormally_low": bool(assessment and assessment.abnormally_low),
            }
        )
    return snapshot


def _notice_content(
    *,
    award: Award,
    tender: Tender,
    lot: Lot,
    entry: dict[str, Any],
    winner: dict[str, Any] | None,
    assessment: Assessment | None,
) -> dict[str, Any]:
    """What one bidder is told: its own result, the winner's, the reasons and how to complain.
    Data, not sentences: the notice page and the email word it in the reader's language."""
    successful = award.bid_id is not None and entry["bid"] == str(award.bid_id)
    return {
        "tender": {"ocid": tender.ocid, "title": tender.title},
        "lot": {"id": lot.local_id, "title": lot.title},
        "award": award.local_id,
        "outcome": award.status,
        "method": str(selectors.method_of(tender)),
        "decided_at": award.decided_at.isoformat(),
        "reasons": award.reasons,
        "winner": winner,
        "result": {
            "successful": successful,
            "status": entry["status"],
            "rank": entry["rank"],
            "price": entry["price"],
            "currency": entry["currency"],
            "price_points": entry["price_points"],
            "quality_points": entry["quality_points"],
            "total": entry["total"],
            "disqualification_reason": assessment.disqualification_reason
            if assessment is not None and assessment.status == AssessmentStatus.DISQUALIFIED
            else "",
        },
        "bidders": len(award.ranking),
        "standstill_ends_at": award.standstill_ends_at.isoformat() if award.standstill_ends_at else None,
        # Until when, and whether, this bidder may complain (the winner has nothing to complain of).
        "complaints_until": award.standstill_ends_at.isoformat()
        if award.standstill_ends_at is not None and not successful
        else None,
    }


def _send_notices(award: Award, tender: Tender, lot: Lot, bids: Sequence[OpenedBid], now: dt.datetime) -> None:
    assessments = _assessments(bids)
    by_bid = {entry["bid"]: entry for entry in award.ranking}
    winner_entry = by_bid.get(str(award.bid_id)) if award.bid_id else None
    winner = (
        {
            "supplier": winner_entry["supplier"],
            "name": winner_entry["supplier_name"],
            "price": winner_entry["price"],
            "currency": winner_entry["currency"],
            "price_points": winner_entry["price_points"],
            "quality_points": winner_entry["quality_points"],
            "total": winner_entry["total"],
        }
        if winner_entry is not None
        else None
    )
    DecisionNotice.objects.bulk_create(
        [
            DecisionNotice(
                award=award,
                bid=opened.bid,
                supplier=opened.bid.supplier,
                content=_notice_content(
                    award=award,
                    tender=tender,
                    lot=lot,
                    entry=by_bid[str(opened.bid_id)],
                    winner=winner,
                    assessment=assessments.get(opened.bid_id),
                ),
                sent_at=now,
            )
            for opened in bids
        ]
    )


def _create_award(award: Award) -> Award:
    try:
        with transaction.atomic():
            award.save(force_insert=True)
    except IntegrityError:
        raise Conflict(
            _("The lot %(lot)s was decided by someone else a moment ago: reload the page to see the decision.")
            % {"lot": award.lot.title}
        ) from None
    return award


def _email_notices(award_id: uuid.UUID) -> None:
    from procura.evaluation import emails

    transaction.on_commit(lambda: emails.send_decision_notices(award_id), robust=True)


# --- Deciding -------------------------------------------------------------------------------------
def award_decide(*, actor: User, lot: Lot, bid: Bid, reasons: str) -> Award:
    """Award the lot to `bid`: qualified, its price known (and, if abnormally low, accepted with a
    justification), ranked first, its supplier not debarred, every other bid of the lot decided.
    Starts the standstill and sends a decision notice to every bidder of the lot."""
    reasons = _clean_text(
        reasons,
        field="reasons",
        required=_("Give the reasons for the decision: every bidder receives them and they are published."),
    )
    with transaction.atomic():
        tender = _locked_tender(lot.tender_id)
        access.check_can_decide_award(actor, tender)
        lot = _lot_of(tender, lot)
        now = clock.now()
        _check_award_stage(tender, now)
        _check_no_standing_award(lot)
        bids = _lot_bids(lot)
        chosen = next((o for o in bids if o.bid_id == bid.pk), None)
        if chosen is None:
            raise InvalidInput.for_field("bid", _("Choose a bid that was opened for this lot and not withdrawn."))
        assessments = _assessments(bids)
        _check_all_decided(bids, assessments)
        assessment = assessments[chosen.bid_id]
        if assessment.status != AssessmentStatus.QUALIFIED:
            raise RuleViolation.for_field("bid", _("This bid was disqualified: only a qualified bid can be awarded."))
        lines = selectors.ranking(tender, lot)
        line = next((candidate for candidate in lines if candidate.bid.pk == chosen.bid_id), None)
        if line is None:
            raise RuleViolation.for_field(
                "bid", _("The price of this bid is not known yet: open the financial offers first.")
            )
        if (line.abnormally_low or assessment.abnormally_low) and not assessment.low_price_justification.strip():
            raise RuleViolation.for_field(
                "bid",
                _(
                    "This bid's price is abnormally low: record why it is accepted (the supplier's explanation) before "
                    "awarding it."
                ),
            )
        if line.rank is None:
            missing = ", ".join(line.missing) if line.missing else ""
            raise RuleViolation.for_field(
                "bid",
                _("The bids cannot be ranked yet: marks are missing (%(criteria)s).") % {"criteria": missing}
                if missing
                else _("The bids cannot be ranked yet: complete the scores first."),
            )
        if line.rank != 1:
            raise RuleViolation.for_field(
                "bid",
                _("This bid is ranked %(rank)s: only a bid ranked first can be awarded.") % {"rank": line.rank},
            )
        check_not_debarred(supplier=chosen.bid.supplier, at=now, field="bid")
        award = _create_award(
            Award(
                tender=tender,
                lot=lot,
                local_id=_next_local_id(tender),
                status=AwardStatus.PENDING,
                bid=chosen.bid,
                supplier=chosen.bid.supplier,
                value_amount=Money(Decimal(line.price), line.currency).quantized().amount,
                currency=line.currency,
                reasons=reasons,
                ranking=_ranking_snapshot(lines, bids, assessments),
                decided_by=actor,
                decided_at=now,
                standstill_ends_at=now + standstill_period(),
            )
        )
        _send_notices(award, tender, lot, bids, now)
        events.record(AwardDecided(tender_id=tender.pk, ocid=tender.ocid, at=now, award_id=award.pk))
        audit_record(
            action=AuditAction.AWARD_DECIDED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="award",
            object_id=award.pk,
            after={
                "tender": tender.ocid,
                "lot": lot.local_id,
                "award": award.local_id,
                "bid": str(chosen.bid_id),
                "supplier": str(chosen.bid.supplier_id),
                "value": _amount(award.value_amount, award.currency),
                "currency": award.currency,
                "standstill_ends_at": award.standstill_ends_at.isoformat() if award.standstill_ends_at else None,
                "notices": len(bids),
            },
        )
        _email_notices(award.pk)
    return award


def lot_close_without_award(*, actor: User, lot: Lot, reason: str) -> Award:
    """Close the lot without award (an unsuccessful award), when it had no bid or every bid was
    disqualified; every bidder gets a notice. When every lot of the tender ends so, the tender is
    declared unsuccessful."""
    reason = _clean_text(
        reason, field="reason", required=_("Say why the lot cannot be awarded: bidders receive it and it is published.")
    )
    with transaction.atomic():
        tender = _locked_tender(lot.tender_id)
        access.check_can_decide_award(actor, tender)
        lot = _lot_of(tender, lot)
        now = clock.now()
        _check_award_stage(tender, now)
        _check_no_standing_award(lot)
        bids = _lot_bids(lot)
        assessments = _assessments(bids)
        _check_all_decided(bids, assessments)
        qualified = [o for o in bids if assessments[o.bid_id].status == AssessmentStatus.QUALIFIED]
        if qualified:
            raise RuleViolation(
                _(
                    "%(count)s bid(s) for this lot are qualified: award the lot to the bid ranked first. A lot is "
                    "closed without award only when it has no qualified bid."
                )
                % {"count": len(qualified)}
            )
        award = _create_award(
            Award(
                tender=tender,
                lot=lot,
                local_id=_next_local_id(tender),
                status=AwardStatus.UNSUCCESSFUL,
                reasons=reason,
                ranking=_ranking_snapshot([], bids, assessments),
                decided_by=actor,
                decided_at=now,
            )
        )
        _send_notices(award, tender, lot, bids, now)
        events.record(AwardDecided(tender_id=tender.pk, ocid=tender.ocid, at=now, award_id=award.pk))
        audit_record(
            action=AuditAction.AWARD_UNSUCCESSFUL,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="award",
            object_id=award.pk,
            after={
                "tender": tender.ocid,
                "lot": lot.local_id,
                "award": award.local_id,
                "reason": reason,
                "notices": len(bids),
            },
        )
        if bids:
            _email_notices(award.pk)
        _close_tender_if_nothing_awarded(actor, tender)
    return award


def _close_tender_if_nothing_awarded(actor: User, tender: Tender) -> None:
    """Every lot closed without award: the tender is unsuccessful (with the lots' reasons)."""
    lots = list(tender.lots.order_by("position"))
    standing = {
        award.lot_id: award
        for award in Award.objects.filter(tender=tender).exclude(status=AwardStatus.CANCELLED).select_related("lot")
    }
    if not lots or any(lot.pk not in standing or standing[lot.pk].status != AwardStatus.UNSUCCESSFUL for lot in lots):
        return
    from procura.tenders.services import tender_mark_unsuccessful

    if len(lots) == 1:
        reason = standing[lots[0].pk].reasons
    else:
        reason = (
            _("No lot could be awarded.")
            + " "
            + " ".join(f"{lot.local_id}: {standing[lot.pk].reasons}" for lot in lots)
        )
    tender_mark_unsuccessful(actor=actor, tender=tender, reason=reason)


# --- The end of the standstill --------------------------------------------------------------------
def activate_if_due(award: Award, now: dt.datetime) -> bool:
    """Put a locked pending award in force if its standstill has ended and no complaint about it
    is pending (called inside the caller's transaction). Returns whether it did."""
    if award.status != AwardStatus.PENDING or award.standstill_ends_at is None:
        return False
    if now < award.standstill_ends_at:
        return False
    if award.complaints.filter(status=ComplaintStatus.PENDING).exists():
        return False
    award.status = AwardStatus.ACTIVE
    award.activated_at = now
    award.save(update_fields=["status", "activated_at"])
    tender = Tender.objects.only("pk", "ocid", "buyer_id").get(pk=award.tender_id)
    events.record(AwardActivated(tender_id=tender.pk, ocid=tender.ocid, at=now, award_id=award.pk))
    audit_record(
        action=AuditAction.AWARD_ACTIVATED,
        actor=None,
        organisation_id=tender.buyer_id,
        object_type="award",
        object_id=award.pk,
        before={"status": AwardStatus.PENDING},
        after={"status": AwardStatus.ACTIVE, "award": award.local_id, "tender": tender.ocid},
    )
    return True


def awards_activate_due(at: dt.datetime | None = None, *, limit: int = 500) -> int:
    """Put in force every award whose standstill has ended with no complaint pending (the
    periodic sweep). Returns how many were activated. Idempotent."""
    now = at or clock.now()
    candidates = list(
        Award.objects.filter(status=AwardStatus.PENDING, standstill_ends_at__lte=now)
        .exclude(complaints__status=ComplaintStatus.PENDING)
        .order_by("standstill_ends_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    activated = 0
    for pk in candidates:
        with transaction.atomic():
            award = Award.objects.select_for_update().filter(pk=pk).first()
            if award is not None and activate_if_due(award, now):
                activated += 1
    return activated


# --- Decision notices -------------------------------------------------------------------------------
def decision_notice_mark_read(*, actor: User, notice: DecisionNotice) -> DecisionNotice:
    """Record that the bidder has read its notice (the first time one of its members opens it).
    Overseers reading it leave it unread."""
    access.check_can_view_notice(actor, notice)
    if notice.read_at is not None or not access.is_notice_recipient(actor, notice):
        return notice
    with transaction.atomic():
        locked = DecisionNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.read_at is None:
            locked.read_at = clock.now()
            locked.save(update_fields=["read_at"])
            audit_record(
                action=AuditAction.DECISION_NOTICE_READ,
                actor=actor,
                organisation_id=locked.supplier_id,
                object_type="decision_notice",
                object_id=locked.pk,
                after={"award": str(locked.award_id), "read_at": locked.read_at.isoformat()},
            )
        notice.read_at = locked.read_at
    return notice
