"""Spend control: a buyer's threshold, business cases for plan lines and approvers' decisions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.core import clock
from procura.core.errors import Conflict, RuleViolation
from procura.core.events import record
from procura.core.values import Problems, clean_text
from procura.documents.models import Document, DocumentType
from procura.documents.services import document_upload
from procura.planning import access, domain, events
from procura.planning.models import ApprovalDecision, BusinessCase, PlanLine, SpendControlPolicy
from procura.planning.services.values import TEXT_LIMIT, clean_amount, clean_currency

BUSINESS_CASE_DOCUMENT_TYPES = (
    DocumentType.NEEDS_ASSESSMENT,
    DocumentType.FEASIBILITY_STUDY,
    DocumentType.MARKET_STUDIES,
    DocumentType.OTHER,
)


def spend_control_threshold_set(
    *, actor: User, buyer: Organisation, amount: Decimal, currency: str
) -> SpendControlPolicy:
    """Above this value the buyer's plan lines need an approved business case."""
    with transaction.atomic():
        access.check_can_set_spend_control_threshold(actor, buyer)
        problems = Problems()
        currency = clean_currency(currency, field="currency", problems=problems)
        cleaned = clean_amount(
            amount, currency=currency, field="amount", problems=problems, required=_("Enter the threshold.")
        )
        problems.raise_if_any(_("The threshold needs correcting."))
        assert cleaned is not None
        policy = SpendControlPolicy.objects.select_for_update().filter(buyer=buyer).first()
        before = None if policy is None else {"amount": policy.threshold_amount, "currency": policy.currency}
        now = clock.now()
        if policy is None:
            try:
                with transaction.atomic():
                    policy = SpendControlPolicy.objects.create(
                        buyer=buyer, threshold_amount=cleaned, currency=currency, updated_at=now
                    )
            except IntegrityError:
                raise Conflict(_("Someone set the threshold at the same moment; look at it and try again.")) from None
        else:
            policy.threshold_amount = cleaned
            policy.currency = currency
            policy.updated_at = now
            policy.save()
        audit_record(
            action=AuditAction.SPEND_CONTROL_THRESHOLD_SET,
            actor=actor,
            organisation_id=buyer.pk,
            object_type="spend_control_policy",
            object_id=policy.pk,
            before=before,
            after={"amount": cleaned, "currency": currency},
        )
        record(events.SpendControlThresholdSet(buyer_id=buyer.pk, amount=cleaned, currency=currency))
    return policy


def _pending_case_exists() -> Conflict:
    return Conflict(_("A business case for this line is already awaiting a decision."))


def business_case_submit(
    *,
    actor: User,
    plan_line: PlanLine,
    need: str,
    estimated_amount: Decimal,
    currency: str,
    options_considered: str,
) -> BusinessCase:
    """Ask an approver to approve spending on a plan line. One case at a time awaits a decision."""
    try:
        with transaction.atomic():
            line = PlanLine.objects.select_for_update().get(pk=plan_line.pk)
            buyer = Organisation.objects.get(procurement_plans__lines=line)
            access.check_can_submit_business_case(actor, buyer)
            problems = Problems()
            values: dict[str, Any] = {
                "need": clean_text(
                    need,
                    field="need",
                    problems=problems,
                    max_length=TEXT_LIMIT,
                    required=_("Say what the need is and why it must be met."),
                ),
                "options_considered": clean_text(
                    options_considered,
                    field="options_considered",
                    problems=problems,
                    max_length=TEXT_LIMIT,
                    required=_("Describe the options considered, including doing nothing."),
                ),
                "currency": clean_currency(currency, field="currency", problems=problems),
            }
            if values["currency"] and values["currency"] != line.currency:
                problems.add(
                    "currency",
                    _("Give the value in the plan line's currency, %(currency)s.") % {"currency": line.currency},
                )
            values["estimated_amount"] = clean_amount(
                estimated_amount,
                currency=values["currency"],
                field="estimated_amount",
                problems=problems,
                required=_("Enter the value you ask approval for."),
            )
            problems.raise_if_any(_("Some details of the business case need correcting."))
            if line.business_cases.filter(decision=ApprovalDecision.PENDING).exists():
                raise _pending_case_exists()
            case = BusinessCase.objects.create(plan_line=line, submitted_by=actor, submitted_at=clock.now(), **values)
            audit_record(
                action=AuditAction.BUSINESS_CASE_SUBMITTED,
                actor=actor,
                organisation_id=buyer.pk,
                object_type="business_case",
                object_id=case.pk,
                after={"plan_line": str(line.pk), "ocid": line.ocid, **values},
            )
            record(
                events.BusinessCaseSubmitted(
                    business_case_id=case.pk, line_id=line.pk, buyer_id=buyer.pk, ocid=line.ocid
                )
            )
    except IntegrityError:
        raise _pending_case_exists() from None
    return case


def business_case_decide(*, actor: User, business_case: BusinessCase, approve: bool, reasons: str) -> BusinessCase:
    """An approver's decision. Reasons are required to reject; a decided case stays decided."""
    with transaction.atomic():
        case = (
            BusinessCase.objects.select_for_update(of=("self",))
            .select_related("plan_line__plan__buyer")
            .get(pk=business_case.pk)
        )
        access.check_can_decide_business_case(actor, case)
        if case.decision != ApprovalDecision.PENDING:
            raise Conflict(
                _("This business case was already %(decision)s.")
                % {"decision": ApprovalDecision(case.decision).label.lower()}
            )
        problems = Problems()
        reasons = clean_text(
            reasons,
            field="reasons",
            problems=problems,
            max_length=TEXT_LIMIT,
            required=None if approve else _("Give the reasons for rejecting the business case."),
        )
        problems.raise_if_any(_("The decision needs correcting."))
        case.decision = ApprovalDecision.APPROVED if approve else ApprovalDecision.REJECTED
        case.decided_by = actor
        case.decided_at = clock.now()
        case.decision_reasons = reasons
        case.save()
        line = case.plan_line
        audit_record(
            action=AuditAction.BUSINESS_CASE_APPROVED if approve else AuditAction.BUSINESS_CASE_REJECTED,
            actor=actor,
            organisation_id=line.plan.buyer_id,
            object_type="business_case",
            object_id=case.pk,
            before={"decision": ApprovalDecision.PENDING},
            after={"decision": case.decision, "reasons": reasons},
        )
        record(
            events.BusinessCaseDecided(
                business_case_id=case.pk,
                line_id=line.pk,
                buyer_id=line.plan.buyer_id,
                ocid=line.ocid,
                approved=approve,
            )
        )
    return case


def business_case_document_add(
    *, actor: User, business_case: BusinessCase, title: str, document_type: str, file: Any
) -> Document:
    """Attach a supporting document (a needs assessment, a market study...) to a case that awaits
    a decision; once decided, the case and its documents are the record of the decision."""
    with transaction.atomic():
        case = (
            BusinessCase.objects.select_for_update(of=("self",))
            .select_related("plan_line__plan__buyer")
            .get(pk=business_case.pk)
        )
        buyer = case.plan_line.plan.buyer
        access.check_can_submit_business_case(actor, buyer)
        if case.decision != ApprovalDecision.PENDING:
            raise RuleViolation(_("Documents can only be added while the business case awaits a decision."))
        problems = Problems()
        # The documents service checks the rest; text that no database can store is refused here.
        title = clean_text(
            title, field="title", problems=problems, max_length=250, required=_("Enter the document's title.")
        )
        if document_type not in BUSINESS_CASE_DOCUMENT_TYPES:
            problems.add("document_type", _("Choose the type of document."))
        problems.raise_if_any(_("Some details of the document need correcting."))
        document = document_upload(
            actor=actor,
            organisation=buyer,
            owner_type=domain.BUSINESS_CASE_OWNER,
            owner_id=case.pk,
            title=title,
            document_type=document_type,
            file=file,
        )
        audit_record(
            action=AuditAction.BUSINESS_CASE_DOCUMENT_ADDED,
            actor=actor,
            organisation_id=buyer.pk,
            object_type="business_case",
            object_id=case.pk,
            after={"document": str(document.pk), "title": document.title, "sha256": document.sha256},
        )
        record(events.BusinessCaseDocumentAdded(business_case_id=case.pk, document_id=document.pk, buyer_id=buyer.pk))
    return document
