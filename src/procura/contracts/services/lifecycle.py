"""A contract's life: prepared from its award, signed by both parties with a second factor,
amended, then terminated or completed with the supplier's rating.

Signature follows the one rule of `evaluation.selectors.signature_block_reason` (no signature
during the standstill, while a complaint is pending, or for a cancelled award), asked inside the
locks of the award and the contract. Each signer types their name and a current code from their
authenticator app; what they sign is the SHA-256 of the canonical terms (`domain.terms_sha256`).
When the second party signs, the contract is in force, and once every lot of the tender has a
signed contract (or was closed without award) the tender is complete.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from procura.accounts.models import User
from procura.audit.codes import AuditAction
from procura.contracts import access
from procura.contracts.domain import (
    cumulative_share,
    exceeds,
    names_match,
    rating_in_range,
    stored_share,
    terms_sha256,
)
from procura.contracts.events import (
    ContractAmended,
    ContractCompleted,
    ContractCreated,
    ContractSigned,
    ContractTerminated,
    ContractTermsUpdated,
)
from procura.contracts.models import (
    Contract,
    ContractAmendment,
    ContractStatus,
    PerformanceRating,
    Signature,
    SigningParty,
)
from procura.contracts.selectors import paid_total
from procura.contracts.services.common import audit, aware, event_fields, locked, money_amount, next_local_id, text
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from procura.core.money import decimal_text
from procura.evaluation.models import Award, AwardStatus
from procura.evaluation.selectors import signature_block_reason
from procura.tenders.domain import TenderStatus, tender_status
from procura.tenders.models import Tender
from procura.tenders.services import tender_mark_complete

TITLE_LIMIT = 300
SECOND_FACTOR = "totp"


def amendment_flag_share() -> Decimal:
    """The share of the original value beyond which amendments are flagged publicly."""
    return Decimal(str(settings.CONTRACT_AMENDMENT_FLAG_SHARE))


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def contract_terms(contract: Contract) -> dict[str, Any]:
    """What the parties sign: the contract's ids, the parties, value, period and items."""
    tender, buyer, supplier = contract.tender, contract.buyer, contract.supplier
    return {
        "contract": {
            "id": str(contract.pk),
            "ocid": tender.ocid,
            "local_id": contract.local_id,
            "award": contract.award.local_id,
            "lot": contract.lot.local_id,
            "title": contract.title,
            "description": contract.description,
        },
        "buyer": {"id": buyer.identifier, "name": buyer.legal_name},
        "supplier": {"id": supplier.identifier, "name": supplier.legal_name},
        "value": {"amount": f"{contract.value_amount:f}", "currency": contract.currency},
        "period": {"start": _utc_text(contract.period_start), "end": _utc_text(contract.period_end)},
        "items": [
            {
                "id": item.local_id,
                "description": item.description,
                "classification": {"scheme": item.classification_scheme, "id": item.classification_code},
                "quantity": decimal_text(item.quantity),
                "unit": {"id": item.unit_code, "name": item.unit_name},
            }
            for item in contract.lot.items.order_by("position")
        ],
    }


def _check_period(start: dt.datetime, end: dt.datetime) -> None:
    if end <= start:
        raise InvalidInput.for_field("period_end", _("The contract must end after it starts."))


# --- Preparing the contract -----------------------------------------------------------------------
def contract_create(
    *,
    actor: User,
    award: Award,
    period_start: dt.datetime,
    period_end: dt.datetime,
    title: str | None = None,
    description: str = "",
) -> Contract:
    """Prepare the contract of an award: its value, currency, supplier and lot (the lot's items)
    come from the award; the buyer sets the period. One contract per award; it awaits both
    signatures (`contract_sign`)."""
    period_start = aware(period_start, "period_start", _("Enter when the contract starts."))
    period_end = aware(period_end, "period_end", _("Enter when the contract ends."))
    _check_period(period_start, period_end)
    description = text(description, "description")
    with transaction.atomic():
        tender = Tender.objects.select_for_update().filter(pk=award.tender_id).first()
        found = Award.objects.select_for_update().filter(pk=award.pk).first()
        if tender is None or found is None:
            raise NotFound(_("There is no such award."))
        award = Award.objects.select_related("tender", "tender__buyer", "lot", "supplier").get(pk=found.pk)
        access.check_can_create_contract(actor, award)
        if award.status == AwardStatus.CANCELLED:
            raise RuleViolation(_("This award was cancelled: there is no contract to prepare."))
        if award.status == AwardStatus.UNSUCCESSFUL:
            raise RuleViolation(_("This lot was closed without an award: there is no contract to prepare."))
        if Contract.objects.filter(award=award).exists():
            raise Conflict(_("This award already has its contract."))
        if award.supplier is None or award.value_amount is None:
            raise RuleViolation(_("The award names no supplier or value, so no contract can be prepared from it."))
        chosen_title = text(title, "title", limit=TITLE_LIMIT) or _default_title(award)
        now = clock.now()
        contract = Contract(
            award=award,
            tender=award.tender,
            lot=award.lot,
            buyer=award.tender.buyer,
            supplier=award.supplier,
            local_id=next_local_id("contract", Contract.objects.filter(tender_id=award.tender_id).count()),
            title=chosen_title,
            description=description,
            original_value=award.value_amount,
            value_amount=award.value_amount,
            currency=award.currency or award.tender.currency,
            period_start=period_start,
            period_end=period_end,
            status=ContractStatus.PENDING,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        try:
            with transaction.atomic():
                contract.save(force_insert=True)
        except IntegrityError:
            raise Conflict(_("This award already has its contract.")) from None
        audit(
            AuditAction.CONTRACT_CREATED,
            actor,
            contract,
            after={
                "award": award.local_id,
                "supplier": award.supplier.identifier,
                "value": str(contract.value_amount),
                "currency": contract.currency,
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
            },
        )
        events.record(ContractCreated(**event_fields(contract, now)))
    return contract


def _default_title(award: Award) -> str:
    if award.tender.lots.count() > 1:
        return f"{award.tender.title} – {award.lot.title}"[:TITLE_LIMIT]
    return award.tender.title[:TITLE_LIMIT]


def contract_update_terms(
    *,
    actor: User,
    contract: Contract,
    title: str | None = None,
    description: str | None = None,
    period_start: dt.datetime | None = None,
    period_end: dt.datetime | None = None,
) -> Contract:
    """Change the title, description or period before anyone has signed (after that the terms
    change only by amendment). None leaves a term as it is."""
    with transaction.atomic():
        contract = locked(contract)
        access.check_can_manage(actor, contract)
        if contract.status != ContractStatus.PENDING or contract.signatures.exists():
            raise RuleViolation(_("The terms can no longer be edited: the contract has been signed. Amend it instead."))
        before = {
            "title": contract.title,
            "description": contract.description,
            "period_start": contract.period_start.isoformat(),
            "period_end": contract.period_end.isoformat(),
        }
        if title is not None:
            contract.title = text(title, "title", required=_("Give the contract a title."), limit=TITLE_LIMIT)
        if description is not None:
            contract.description = text(description, "description")
        if period_start is not None:
            contract.period_start = aware(period_start, "period_start", _("Enter when the contract starts."))
        if period_end is not None:
            contract.period_end = aware(period_end, "period_end", _("Enter when the contract ends."))
        _check_period(contract.period_start, contract.period_end)
        now = clock.now()
        contract.updated_at = now
        contract.save(update_fields=["title", "description", "period_start", "period_end", "updated_at"])
        events.record(ContractTermsUpdated(**event_fields(contract, now)))
        audit(
            AuditAction.CONTRACT_TERMS_UPDATED,
            actor,
            contract,
            before=before,
            after={
                "title": contract.title,
                "description": contract.description,
                "period_start": contract.period_start.isoformat(),
                "period_end": contract.period_end.isoformat(),
            },
        )
    return contract


# --- Signature ------------------------------------------------------------------------------------
def _signable_refusal(contract: Contract, party: str, at: dt.datetime) -> None:
    """Refuse a signature that cannot be made now, before any code is spent on it."""
    if contract.status != ContractStatus.PENDING:
        raise RuleViolation(
            _("This contract is %(status)s: there is nothing left to sign.")
            % {"status": ContractStatus(contract.status).label.lower()}
        )
    if contract.signatures.filter(party=party).exists():
        raise Conflict(
            _("The %(party)s has already signed this contract.") % {"party": SigningParty(party).label.lower()}
        )
    if contract.tender.cancelled_at is not None:
        raise RuleViolation(_("The tender was cancelled: this contract cannot be signed."))
    reason = signature_block_reason(contract.award, at)
    if reason is not None:
        raise RuleViolation(reason)


def _two_factor_setup_message() -> str:
    return _(
        "Signing is confirmed with a code from an authenticator app, and your account has none: "
        "set up two-factor authentication at %(url)s, then sign."
    ) % {"url": reverse("accounts:two-factor-setup")}


def _verify_second_factor(user: User, code: str) -> None:
    """The code must be current for one of the user's confirmed authenticators, right now.

    The device records the attempt (the code cannot be used twice; wrong codes slow down the
    next attempts) in its own transaction, committed before a wrong code is refused."""
    devices = list(TOTPDevice.objects.devices_for_user(user, confirmed=True))
    if not devices:
        raise RuleViolation(_two_factor_setup_message(), fields={"otp_code": [_two_factor_setup_message()]})
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != devices[0].digits:
        raise InvalidInput.for_field("otp_code", _("Enter the 6-digit code your authenticator app shows now."))
    throttled = False
    with transaction.atomic():
        for device in devices:
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(code):
                return
    if throttled:
        raise InvalidInput.for_field("otp_code", _("Too many wrong codes. Wait a moment, then enter a new code."))
    raise InvalidInput.for_field(
        "otp_code", _("That code is not right. Enter the code your authenticator app shows now.")
    )


def contract_sign(*, actor: User, contract: Contract, party: str, otp_code: str, signed_name: str) -> Signature:
    """Sign for the buyer or the supplier. The signer types their full name and a current code
    from their authenticator app. Refused during the standstill, while a complaint about the award
    is pending, for a cancelled award, and once the party has signed."""
    if party not in SigningParty.values:
        raise InvalidInput.for_field("party", _("Choose whether you sign for the buyer or the supplier."))
    access.check_can_sign(actor, contract, party)
    if not TOTPDevice.objects.devices_for_user(actor, confirmed=True).exists():
        raise RuleViolation(_two_factor_setup_message(), fields={"otp_code": [_two_factor_setup_message()]})
    if not names_match(signed_name or "", actor.full_name):
        raise InvalidInput.for_field(
            "signed_name", _("Type your full name as your account gives it: %(name)s.") % {"name": actor.full_name}
        )
    _signable_refusal(contract, party, clock.now())
    _verify_second_factor(actor, otp_code)
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=contract.tender_id)
        Award.objects.select_for_update().filter(pk=contract.award_id).first()
        contract = locked(contract)
        access.check_can_sign(actor, contract, party)
        now = clock.now()
        _signable_refusal(contract, party, now)
        digest = terms_sha256(contract_terms(contract))
        if contract.terms_sha256 and contract.terms_sha256 != digest:  # pragma: no cover - terms are frozen once signed
            raise Conflict(_("The terms changed after the other party signed: they must both sign the same terms."))
        signature = Signature.objects.create(
            contract=contract,
            party=party,
            organisation=contract.buyer if party == SigningParty.BUYER else contract.supplier,
            signed_by=actor,
            signed_name=" ".join(signed_name.split()),
            signed_at=now,
            terms_sha256=digest,
            second_factor=SECOND_FACTOR,
        )
        fully_signed = contract.signatures.count() == len(SigningParty.values)
        contract.terms_sha256 = digest
        contract.updated_at = now
        if fully_signed:
            contract.status = ContractStatus.ACTIVE
            contract.signed_at = now
        contract.save(update_fields=["terms_sha256", "updated_at", "status", "signed_at"])
        audit(
            AuditAction.CONTRACT_SIGNED,
            actor,
            contract,
            organisation_id=signature.organisation_id,
            after={
                "party": party,
                "signed_name": signature.signed_name,
                "terms_sha256": digest,
                "second_factor": SECOND_FACTOR,
                "fully_signed": fully_signed,
            },
        )
        events.record(ContractSigned(**event_fields(contract, now), party=party, fully_signed=fully_signed))
        if fully_signed:
            _complete_tender_when_concluded(tender, now)
    return signature


def _complete_tender_when_concluded(tender: Tender, now: dt.datetime) -> None:
    """Once every lot has a signed contract or was closed without award, the tender is complete."""
    tender.refresh_from_db()
    if tender_status(tender.lifecycle, now) != TenderStatus.EVALUATION:
        return
    lots = set(tender.lots.values_list("pk", flat=True))
    signed = set(Contract.objects.filter(tender=tender, signed_at__isnull=False).values_list("lot_id", flat=True))
    closed = set(Award.objects.filter(tender=tender, status=AwardStatus.UNSUCCESSFUL).values_list("lot_id", flat=True))
    if lots and lots <= signed | closed:
        tender_mark_complete(actor=None, tender=tender)


# --- Amendment, termination, completion ----------------------------------------------------------
def contract_amend(
    *,
    actor: User,
    contract: Contract,
    rationale: str,
    value_amount: Decimal | str | None = None,
    period_end: dt.datetime | None = None,
) -> ContractAmendment:
    """Change the value or the end of a contract in force, with a public rationale. The change
    of value is measured cumulatively against the original value; beyond the configured share
    (`PROCURA_CONTRACT_AMENDMENT_FLAG_SHARE`) the amendment is flagged publicly. The value never
    drops below what has been paid."""
    rationale = text(rationale, "rationale", required=_("Say why the contract is amended: it is published."))
    with transaction.atomic():
        contract = locked(contract)
        access.check_can_manage(actor, contract)
        if contract.status != ContractStatus.ACTIVE:
            raise RuleViolation(_("Only a contract in force can be amended."))
        new_value = (
            contract.value_amount
            if value_amount is None or value_amount == ""
            else money_amount(value_amount, contract.currency, "value_amount", allow_zero=True)
        )
        new_end = (
            contract.period_end
            if period_end is None
            else aware(period_end, "period_end", _("Enter when the contract ends."))
        )
        if new_value == contract.value_amount and new_end == contract.period_end:
            raise InvalidInput(
                _("The amendment changes nothing: give a new value or a new end date."),
                fields={"value_amount": [_("Give a new value, or a new end date.")]},
            )
        _check_period(contract.period_start, new_end)
        paid = paid_total(contract)
        if new_value < paid:
            raise RuleViolation(
                _("The value cannot be less than what has already been paid (%(paid)s %(currency)s).")
                % {"paid": f"{paid:f}", "currency": contract.currency},
                fields={"value_amount": [_("At least what has been paid.")]},
            )
        share = cumulative_share(contract.original_value, new_value)
        flagged = exceeds(share, amendment_flag_share())
        now = clock.now()
        amendment = ContractAmendment.objects.create(
            contract=contract,
            local_id=next_local_id("amendment", contract.amendments.count()),
            rationale=rationale,
            value_before=contract.value_amount,
            value_after=new_value,
            period_end_before=contract.period_end,
            period_end_after=new_end,
            cumulative_share=stored_share(share),
            exceeds_threshold=flagged,
            made_by=actor,
            made_at=now,
        )
        contract.value_amount = new_value
        contract.period_end = new_end
        contract.updated_at = now
        contract.save(update_fields=["value_amount", "period_end", "updated_at"])
        audit(
            AuditAction.CONTRACT_AMENDED,
            actor,
            contract,
            before={"value": str(amendment.value_before), "period_end": amendment.period_end_before.isoformat()},
            after={
                "amendment": amendment.local_id,
                "value": str(new_value),
                "period_end": new_end.isoformat(),
                "cumulative_share": str(amendment.cumulative_share),
                "exceeds_threshold": flagged,
                "rationale": rationale,
            },
        )
        events.record(
            ContractAmended(**event_fields(contract, now), amendment_id=amendment.pk, exceeds_threshold=flagged)
        )
    return amendment


def contract_terminate(*, actor: User, contract: Contract, reason: str) -> Contract:
    """End a contract in force early, with a public reason. What is owed may still be paid
    against approved invoices."""
    reason = text(reason, "reason", required=_("Say why the contract is terminated: it is published."))
    with transaction.atomic():
        contract = locked(contract)
        access.check_can_manage(actor, contract)
        if contract.status != ContractStatus.ACTIVE:
            raise RuleViolation(_("Only a contract in force can be terminated."))
        now = clock.now()
        contract.status = ContractStatus.TERMINATED
        contract.terminated_at = now
        contract.termination_reason = reason
        contract.updated_at = now
        contract.save(update_fields=["status", "terminated_at", "termination_reason", "updated_at"])
        audit(
            AuditAction.CONTRACT_TERMINATED,
            actor,
            contract,
            before={"status": ContractStatus.ACTIVE.value},
            after={"status": contract.status, "reason": reason},
        )
        events.record(ContractTerminated(**event_fields(contract, now)))
    return contract


def contract_complete(*, actor: User, contract: Contract, rating: int, comment: str) -> PerformanceRating:
    """Close a contract in force as completed, rating the supplier from 1 (poor) to 5 (excellent)
    with a comment; the rating stays on the supplier's performance record."""
    if isinstance(rating, bool) or not isinstance(rating, int):
        raise InvalidInput.for_field("rating", _("Give a rating from 1 (poor) to 5 (excellent)."))
    if not rating_in_range(rating):
        raise InvalidInput.for_field("rating", _("Give a rating from 1 (poor) to 5 (excellent)."))
    comment = text(comment, "comment", required=_("Explain the rating: it is kept on the supplier's record."))
    with transaction.atomic():
        contract = locked(contract)
        access.check_can_manage(actor, contract)
        if contract.status != ContractStatus.ACTIVE:
            raise RuleViolation(_("Only a contract in force can be completed."))
        now = clock.now()
        performance = PerformanceRating.objects.create(
            contract=contract, supplier=contract.supplier, score=rating, comment=comment, rated_by=actor, rated_at=now
        )
        contract.status = ContractStatus.COMPLETED
        contract.completed_at = now
        contract.updated_at = now
        contract.save(update_fields=["status", "completed_at", "updated_at"])
        audit(
            AuditAction.CONTRACT_COMPLETED,
            actor,
            contract,
            before={"status": ContractStatus.ACTIVE.value},
            after={"status": contract.status, "rating": rating, "comment": comment},
        )
        events.record(ContractCompleted(**event_fields(contract, now)))
    return performance
