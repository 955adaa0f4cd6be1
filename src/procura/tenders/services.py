"""Every write to tenders: drafts, publication, amendments, cancellation, clarifications, the sweep.

Each service runs in one transaction: it locks the tender row, checks access and rules against
the clock at that moment, writes, appends an audit entry and records a domain event, so the
OCDS release (a subscriber) commits or rolls back with the change.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.classifications.selectors import classification_get, unit_get
from procura.core import clock, events
from procura.core.errors import Conflict, InvalidInput, ProcuraError, RuleViolation
from procura.core.identifiers import allocate_ocid
from procura.core.money import Money, decimal_text, iso_4217_codes
from procura.planning.models import PlanLine
from procura.planning.selectors import spend_approval
from procura.tenders import access, rules
from procura.tenders.domain import (
    MATERIAL_FIELDS,
    AwardCriteria,
    CriterionKind,
    MainCategory,
    PeriodName,
    Problem,
    Procedure,
    TenderStatus,
    amended_deadline,
    criteria_problems,
    next_deadline,
    schedule_problems,
    status_transitions,
    tender_status,
)
from procura.tenders.domain import (
    Criterion as CriterionValue,
)
from procura.tenders.events import (
    ClarificationAnswered,
    ClarificationAsked,
    TenderAmended,
    TenderCancelled,
    TenderCompleted,
    TenderEvent,
    TenderPublished,
    TenderStatusChanged,
    TenderUnsuccessful,
)
from procura.tenders.models import Amendment, Clarification, Criterion, Item, Lot, StatusChange, Tender

logger = logging.getLogger(__name__)

MAX_LOTS = 100
MAX_ITEMS = 500


# --- Input ------------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ItemDetails:
    description: str
    classification_scheme: str
    classification_code: str
    quantity: Decimal | str
    unit_code: str
    local_id: str = ""


@dataclass(frozen=True, kw_only=True)
class LotDetails:
    title: str
    description: str = ""
    value_amount: Decimal | str | None = None
    items: tuple[ItemDetails, ...] = ()
    local_id: str = ""


@dataclass(frozen=True, kw_only=True)
class CriterionDetails:
    name: str
    kind: str
    weight: Decimal | str
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class TenderDetails:
    """Everything a buyer enters about a tender. Drafts may be incomplete; publication may not."""

    title: str
    description: str
    main_category: str
    procedure: str
    currency: str
    award_criteria: str = AwardCriteria.PRICE_ONLY
    value_amount: Decimal | str | None = None
    procedure_justification: str = ""
    eligibility_criteria: str = ""
    selection_criteria: str = ""
    sme_suitable: bool = False
    # Price and quality only: prices stay sealed at the opening until the technical evaluation.
    two_envelopes: bool = False
    lots: tuple[LotDetails, ...] = ()
    criteria: tuple[CriterionDetails, ...] = ()
    qualification_end: dt.datetime | None = None
    enquiry_end: dt.datetime | None = None
    tender_start: dt.datetime | None = None
    tender_end: dt.datetime | None = None
    bid_opening_at: dt.datetime | None = None
    bid_opening_place: str = ""
    award_start: dt.datetime | None = None
    award_end: dt.datetime | None = None
    contract_start: dt.datetime | None = None
    contract_end: dt.datetime | None = None


DATE_FIELDS = (
    "qualification_end",
    "enquiry_end",
    "tender_start",
    "tender_end",
    "bid_opening_at",
    "award_start",
    "award_end",
    "contract_start",
    "contract_end",
)
# Changing these after publication would make it a different procurement: cancel and re-tender.
FIXED_AFTER_PUBLICATION = ("procedure", "currency", "main_category")


@dataclass
class _Cleaned:
    values: dict[str, Any] = field(default_factory=dict)
    lots: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)


def _amount(raw: Decimal | str | None, currency: str, name: str, errors: dict[str, list[str]]) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        money = Money.parse(raw if isinstance(raw, (str, Decimal)) else Decimal(raw), currency)
    except (ValueError, TypeError, InvalidOperation) as exc:
        message = str(exc) if "decimal places" in str(exc) else _("Enter an amount such as 125000.00.")
        errors.setdefault(name, []).append(message)
        return None
    if money.amount < 0:
        errors.setdefault(name, []).append(_("The amount cannot be negative."))
        return None
    if money.amount >= Decimal("1e17"):
        errors.setdefault(name, []).append(_("The amount is too large."))
        return None
    return money.amount


def _clean(details: TenderDetails) -> _Cleaned:
    """Check the form of every value (always, drafts included) and normalise it."""
    errors: dict[str, list[str]] = {}
    out = _Cleaned()
    values = out.values
    values["title"] = details.title.strip()
    values["description"] = details.description.strip()
    if not values["title"]:
        errors["title"] = [_("Enter a title.")]
    elif len(values["title"]) > 300:
        errors["title"] = [_("The title can be at most 300 characters.")]
    if details.main_category not in MainCategory.__members__.values():
        errors["main_category"] = [_("Choose goods, works or services.")]
    values["main_category"] = details.main_category
    if details.procedure not in Procedure.__members__.values():
        errors["procedure"] = [_("Choose a procedure.")]
    values["procedure"] = details.procedure
    currency = details.currency.strip().upper()
    if currency not in iso_4217_codes():
        errors["currency"] = [_("Enter a currency as its three-letter ISO 4217 code, such as EUR.")]
        currency = "XXX"
    values["currency"] = currency
    values["value_amount"] = _amount(details.value_amount, currency, "value_amount", errors)
    if details.award_criteria not in AwardCriteria.__members__.values():
        errors["award_criteria"] = [_("Choose price only, cost only, or price and quality.")]
    values["award_criteria"] = details.award_criteria
    for name in ("procedure_justification", "eligibility_criteria", "selection_criteria", "bid_opening_place"):
        values[name] = str(getattr(details, name) or "").strip()
    values["sme_suitable"] = bool(details.sme_suitable)
    values["two_envelopes"] = bool(details.two_envelopes)
    if values["two_envelopes"] and details.award_criteria != AwardCriteria.RATED:
        errors["two_envelopes"] = [
            _(
                "Two envelopes are only for tenders judged on price and quality: choose price and quality, "
                "or do not use two envelopes."
            )
        ]
    for name in DATE_FIELDS:
        value = getattr(details, name)
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            errors[name] = [_("Give the time with its time zone.")]
        values[name] = value.astimezone(dt.UTC) if value is not None and value.tzinfo else value

    if len(details.lots) > MAX_LOTS:
        errors["lots"] = [_("A tender can have at most %(n)s lots.") % {"n": MAX_LOTS}]
    item_count = 0
    for li, lot in enumerate(details.lots):
        title = lot.title.strip()
        if not title:
            errors[f"lots.{li}.title"] = [_("Enter a title for the lot.")]
        lot_value = _amount(lot.value_amount, currency, f"lots.{li}.value_amount", errors)
        items = []
        for ii, item in enumerate(lot.items):
            item_count += 1
            prefix = f"lots.{li}.items.{ii}"
            description = item.description.strip()
            if not description:
                errors[f"{prefix}.description"] = [_("Describe the item.")]
            classification = classification_get(
                scheme=item.classification_scheme.strip().upper(), code=item.classification_code.strip()
            )
            if classification is None:
                errors[f"{prefix}.classification_code"] = [
                    _("%(code)s is not a %(scheme)s code Procura knows.")
                    % {"code": item.classification_code or "—", "scheme": item.classification_scheme or "CPV"}
                ]
            try:
                quantity = Decimal(str(item.quantity).strip())
                if not quantity.is_finite() or quantity <= 0 or quantity >= Decimal("1e15"):
                    raise InvalidOperation
                if quantity != quantity.quantize(Decimal("0.0001")):
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors[f"{prefix}.quantity"] = [_("Enter a quantity greater than zero, such as 12 or 2.5.")]
                quantity = Decimal(1)
            unit = unit_get(item.unit_code.strip())
            if unit is None:
                errors[f"{prefix}.unit_code"] = [_("Choose a unit of measure.")]
            items.append(
                {
                    "local_id": item.local_id.strip(),
                    "description": description,
                    "classification_scheme": classification.scheme if classification else "",
                    "classification_code": classification.code if classification else "",
                    "classification_description": classification.description if classification else "",
                    "quantity": quantity,
                    "unit_code": unit.code if unit else "",
                    "unit_name": unit.name if unit else "",
                }
            )
        out.lots.append(
            {
                "local_id": lot.local_id.strip(),
                "title": title,
                "description": lot.description.strip(),
                "value_amount": lot_value,
                "items": items,
            }
        )
    if item_count > MAX_ITEMS:
        errors["lots"] = [_("A tender can have at most %(n)s items.") % {"n": MAX_ITEMS}]
    for ci, criterion in enumerate(details.criteria):
        try:
            weight = Decimal(str(criterion.weight).strip())
            # Weights are stored with two decimals and at most 100: refuse what cannot be kept exactly.
            if not weight.is_finite() or abs(weight) >= 1000 or weight != weight.quantize(Decimal("0.01")):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[f"criteria.{ci}.weight"] = [_("Enter a weight such as 40.")]
            weight = Decimal(0)
        if criterion.kind not in CriterionKind.__members__.values():
            errors[f"criteria.{ci}.kind"] = [_("Choose price, cost or quality.")]
        out.criteria.append(
            {
                "name": criterion.name.strip(),
                "kind": criterion.kind,
                "weight": weight,
                "description": criterion.description.strip(),
            }
        )
    if errors:
        raise InvalidInput(_("Some details of the tender need correcting."), fields=errors)
    return out


def _problems_to_fields(problems: list[Problem]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for problem in problems:
        fields.setdefault(problem.field, []).append(problem.text(_))
    return fields


def _completeness_problems(cleaned: _Cleaned, procedure_rules: Any) -> list[Problem]:
    """What publication needs beyond well-formed values."""
    from procura.tenders.domain import gettext_noop as N_

    problems: list[Problem] = []
    values = cleaned.values
    if not values["description"]:
        problems.append(Problem("description", N_("Describe what is being bought.")))
    if not cleaned.lots:
        problems.append(Problem("lots", N_("Add at least one lot with its items.")))
    for li, lot in enumerate(cleaned.lots):
        if not lot["items"]:
            problems.append(Problem(f"lots.{li}.items", N_("Every lot needs at least one item.")))
    if procedure_rules.justification_required and not values["procedure_justification"]:
        problems.append(
            Problem("procedure_justification", N_("This procedure needs a justification: say why it is used."))
        )
    if procedure_rules.public_opening and procedure_rules.has(PeriodName.TENDER) and not values["bid_opening_at"]:
        problems.append(Problem("bid_opening_at", N_("Set the time of the public bid opening.")))
    criteria = [CriterionValue(c["name"], c["kind"], c["weight"]) for c in cleaned.criteria]
    problems += criteria_problems(values["award_criteria"], criteria)
    return problems


# --- Writing the rows ---------------------------------------------------------------------------
def _next_local_id(prefix: str, used: set[str]) -> str:
    n = 1
    while f"{prefix}-{n}" in used:
        n += 1
    used.add(f"{prefix}-{n}")
    return f"{prefix}-{n}"


def _write_parts(tender: Tender, cleaned: _Cleaned) -> None:
    """Write lots, items and criteria. Lots that stay are updated in place (bids and questions
    refer to them); lots no longer listed are removed, which is refused for a lot with bids."""
    existing_lots = {lot.local_id: lot for lot in tender.lots.all()}
    existing_items = {item.local_id: item for item in tender.items.all()}
    used_lots = {lot["local_id"] for lot in cleaned.lots if lot["local_id"] in existing_lots}
    used_items = {
        item["local_id"] for lot in cleaned.lots for item in lot["items"] if item["local_id"] in existing_items
    }
    tender.items.all().delete()
    tender.criteria.all().delete()
    removed = [lot for local_id, lot in existing_lots.items() if local_id not in used_lots]
    try:
        with transaction.atomic():
            for lot in removed:
                lot.delete()
    except ProtectedError:
        raise InvalidInput.for_field(
            "lots", _("A lot that suppliers have bid for cannot be removed; cancel the tender and re-tender instead.")
        ) from None
    item_position = 0
    for position, lot_values in enumerate(cleaned.lots, start=1):
        values = {
            "position": position,
            "title": lot_values["title"],
            "description": lot_values["description"],
            "value_amount": lot_values["value_amount"],
        }
        kept = existing_lots.get(lot_values["local_id"]) if lot_values["local_id"] in used_lots else None
        if kept is not None:
            for name, value in values.items():
                setattr(kept, name, value)
            kept.save(update_fields=list(values))
            lot = kept
        else:
            lot = Lot.objects.create(tender=tender, local_id=_next_local_id("LOT", used_lots), **values)
        for item_values in lot_values["items"]:
            item_position += 1
            item_id = item_values["local_id"] if item_values["local_id"] in existing_items else ""
            Item.objects.create(
                tender=tender,
                lot=lot,
                position=item_position,
                **{**item_values, "local_id": item_id or _next_local_id("ITEM", used_items)},
            )
    for position, criterion in enumerate(cleaned.criteria, start=1):
        Criterion.objects.create(tender=tender, position=position, **criterion)


def _search_text(tender: Tender) -> str:
    parts = [tender.ocid, tender.title, tender.description, tender.buyer.legal_name]
    for item in tender.items.all():
        parts += [item.description, item.classification_code, item.classification_description]
    for lot in tender.lots.all():
        parts.append(lot.title)
    return "\n".join(p for p in parts if p)


def _apply_values(tender: Tender, values: dict[str, Any]) -> None:
    for name in (
        "title",
        "description",
        "main_category",
        "procedure",
        "currency",
        "value_amount",
        "award_criteria",
        "procedure_justification",
        "eligibility_criteria",
        "selection_criteria",
        "sme_suitable",
        "two_envelopes",
        "bid_opening_place",
        *DATE_FIELDS,
    ):
        setattr(tender, name, values[name])


def details_of(tender: Tender) -> TenderDetails:
    """The tender as input, to edit one part and save the whole."""
    lots = tuple(
        LotDetails(
            local_id=lot.local_id,
            title=lot.title,
            description=lot.description,
            value_amount=lot.value_amount,
            items=tuple(
                ItemDetails(
                    local_id=item.local_id,
                    description=item.description,
                    classification_scheme=item.classification_scheme,
                    classification_code=item.classification_code,
                    quantity=item.quantity.normalize(),
                    unit_code=item.unit_code,
                )
                for item in lot.items.all()
            ),
        )
        for lot in tender.lots.prefetch_related("items")
    )
    criteria = tuple(
        CriterionDetails(name=c.name, kind=c.kind, weight=c.weight, description=c.description)
        for c in tender.criteria.all()
    )
    return TenderDetails(
        title=tender.title,
        description=tender.description,
        main_category=tender.main_category,
        procedure=tender.procedure,
        currency=tender.currency,
        award_criteria=tender.award_criteria,
        value_amount=tender.value_amount,
        procedure_justification=tender.procedure_justification,
        eligibility_criteria=tender.eligibility_criteria,
        selection_criteria=tender.selection_criteria,
        sme_suitable=tender.sme_suitable,
        two_envelopes=tender.two_envelopes,
        lots=lots,
        criteria=criteria,
        bid_opening_place=tender.bid_opening_place,
        **{name: getattr(tender, name) for name in DATE_FIELDS},
    )


def _snapshot(tender: Tender) -> dict[str, Any]:
    """Public facts of a tender, for audit before/after values and amendment diffs."""
    snapshot: dict[str, Any] = _jsonable(asdict(details_of(tender)))
    return snapshot


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _lock(tender: Tender) -> Tender:
    return Tender.objects.select_for_update().select_related("buyer").get(pk=tender.pk)


def _refresh_deadline(tender: Tender, at: dt.datetime) -> None:
    tender.next_deadline_at = next_deadline(tender.lifecycle, at) if tender.is_published else None


# --- Drafts -------------------------------------------------------------------------------------
def tender_create(
    *, actor: User, buyer: Organisation, details: TenderDetails, plan_line: PlanLine | None = None
) -> Tender:
    """Create a draft. It is visible only inside the buyer until published."""
    access.check_can_manage_tenders(actor, buyer)
    cleaned = _clean(details)
    if plan_line is not None and plan_line.plan.buyer_id != buyer.pk:
        raise InvalidInput.for_field("plan_line", _("The plan line belongs to another buyer."))
    rulebook = rules.current_rulebook()
    now = clock.now()
    with transaction.atomic():
        ocid = plan_line.ocid if plan_line is not None else allocate_ocid()
        if Tender.objects.filter(ocid=ocid).exists():
            raise Conflict.for_field("plan_line", _("A tender has already been prepared for this plan line."))
        tender = Tender(
            ocid=ocid,
            buyer=buyer,
            procuring_entity=buyer,
            plan_line=plan_line,
            rules_version=f"{rulebook.jurisdiction}/{rulebook.version}",
            rules=rules.snapshot(rulebook, cleaned.values["procedure"]),
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        _apply_values(tender, cleaned.values)
        tender.save()
        _write_parts(tender, cleaned)
        tender.search_text = _search_text(tender)
        tender.save(update_fields=["search_text"])
        audit_record(
            action=AuditAction.TENDER_CREATED,
            actor=actor,
            organisation_id=buyer.pk,
            object_type="tender",
            object_id=tender.pk,
            after=_snapshot(tender),
        )
    return tender


def tender_update(*, actor: User, tender: Tender, details: TenderDetails) -> Tender:
    """Change a draft. After publication every change is an amendment (`tender_amend`)."""
    cleaned = _clean(details)
    with transaction.atomic():
        tender = _lock(tender)
        access.check_can_manage_tender(actor, tender)
        if tender.is_published:
            raise RuleViolation(_("The tender is published: change it with an amendment and its rationale."))
        before = _snapshot(tender)
        rulebook = rules.current_rulebook()
        _apply_values(tender, cleaned.values)
        tender.rules_version = f"{rulebook.jurisdiction}/{rulebook.version}"
        tender.rules = rules.snapshot(rulebook, tender.procedure)
        tender.updated_at = clock.now()
        tender.save()
        _write_parts(tender, cleaned)
        tender.search_text = _search_text(tender)
        tender.save(update_fields=["search_text"])
        audit_record(
            action=AuditAction.TENDER_UPDATED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="tender",
            object_id=tender.pk,
            before=before,
            after=_snapshot(tender),
        )
    return tender


def tender_link_plan_line(*, actor: User, tender: Tender, plan_line: PlanLine | None) -> Tender:
    """Link a draft to a line of its buyer's procurement plan, or unlink it (`plan_line=None`).

    Planning and tendering are one contracting process, so a linked draft takes the line's ocid,
    as if created from the line; unlinked, it gets a new one. Only drafts: a draft's ocid has
    never been published, so changing it breaks no link.
    """
    with transaction.atomic():
        tender = _lock(tender)
        access.check_can_manage_tender(actor, tender)
        if tender.is_published:
            raise RuleViolation(_("The plan line of a published tender cannot change."))
        if plan_line is not None and plan_line.plan.buyer_id != tender.buyer_id:
            raise InvalidInput.for_field("plan_line", _("The plan line belongs to another buyer."))
        if (plan_line.pk if plan_line else None) == tender.plan_line_id:
            return tender
        if plan_line is not None and Tender.objects.filter(ocid=plan_line.ocid).exclude(pk=tender.pk).exists():
            raise Conflict.for_field("plan_line", _("A tender has already been prepared for this plan line."))
        before = {"ocid": tender.ocid, "plan_line": str(tender.plan_line_id) if tender.plan_line_id else None}
        tender.plan_line = plan_line
        tender.ocid = plan_line.ocid if plan_line is not None else allocate_ocid()
        tender.updated_at = clock.now()
        tender.search_text = _search_text(tender)
        tender.save(update_fields=["plan_line", "ocid", "updated_at", "search_text"])
        audit_record(
            action=AuditAction.TENDER_UPDATED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="tender",
            object_id=tender.pk,
            before=before,
            after={"ocid": tender.ocid, "plan_line": str(plan_line.pk) if plan_line else None},
        )
    return tender


def _publication_problems(tender: Tender, cleaned: _Cleaned, *, published_at: dt.datetime) -> list[Problem]:
    procedure_rules = rules.rules_of(tender.rules)
    problems = _completeness_problems(cleaned, procedure_rules)
    problems += schedule_problems(
        procedure_rules, tender.schedule, published_at=published_at, value=cleaned.values["value_amount"]
    )
    return problems


def _prepare_publication(tender: Tender, now: dt.datetime) -> list[Problem]:
    """Take the current rules and start the periods as publication at `now` would (in memory
    only), and say what still stands in the way."""
    rulebook = rules.current_rulebook()
    tender.rules_version = f"{rulebook.jurisdiction}/{rulebook.version}"
    tender.rules = rules.snapshot(rulebook, tender.procedure)
    procedure_rules = rules.rules_of(tender.rules)
    # Periods begin at publication unless the buyer set a later start.
    if procedure_rules.has(PeriodName.QUALIFICATION):
        tender.qualification_start = now
    if procedure_rules.has(PeriodName.ENQUIRY):
        tender.enquiry_start = now
    if procedure_rules.has(PeriodName.TENDER) and (tender.tender_start is None or tender.tender_start < now):
        tender.tender_start = now
    cleaned = _clean(details_of(tender))
    return _publication_problems(tender, cleaned, published_at=now)


def _spend_control_refusal(tender: Tender) -> RuleViolation | None:
    approval = spend_approval(
        buyer=tender.buyer, amount=tender.value_amount, currency=tender.currency, plan_line=tender.plan_line
    )
    if not approval.required or approval.approved:
        return None
    return RuleViolation(
        _(
            "This tender is above the spend-control threshold of %(threshold)s: it needs an approved "
            "business case on its plan line before it can be published."
        )
        % {"threshold": approval.threshold or "—"},
        fields={"plan_line": [_("Link an approved plan line.")]},
    )


def tender_publication_problems(tender: Tender) -> dict[str, list[str]]:
    """What would stop `tender_publish` now, by field, without writing anything: the checks it
    runs (completeness, the procedure's minimums at this moment) and then spend control, which
    `tender_publish` reports on its own once everything else is right. Empty when publishable
    (or already published)."""
    if tender.is_published:
        return {}
    # A fresh copy: the caller's object must not take on the simulated publication values.
    candidate = Tender.objects.select_related("buyer", "plan_line__plan").get(pk=tender.pk)
    try:
        fields = _problems_to_fields(_prepare_publication(candidate, clock.now()))
    except InvalidInput as exc:  # stored values no longer valid (a code withdrawn, say)
        fields = dict(exc.fields)
    refusal = _spend_control_refusal(candidate)
    if refusal is not None:
        fields.setdefault("plan_line", []).append(refusal.message)
    return fields


def tender_publish(*, actor: User, tender: Tender) -> Tender:
    """Publish a draft. Idempotent: publishing a published tender returns it unchanged."""
    with transaction.atomic():
        tender = _lock(tender)
        access.check_can_manage_tender(actor, tender)
        if tender.is_published:
            return tender
        now = clock.now()
        problems = _prepare_publication(tender, now)
        if problems:
            raise InvalidInput(
                _("The tender cannot be published yet: %(count)s thing(s) to put right.") % {"count": len(problems)},
                fields=_problems_to_fields(problems),
            )
        refusal = _spend_control_refusal(tender)
        if refusal is not None:
            raise refusal
        tender.published_at = now
        tender.updated_at = now
        status = tender_status(tender.lifecycle, now)
        tender.recorded_status = status
        _refresh_deadline(tender, now)
        tender.save()
        StatusChange.objects.create(tender=tender, status=status, effective_at=now, recorded_at=now)
        audit_record(
            action=AuditAction.TENDER_PUBLISHED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="tender",
            object_id=tender.pk,
            after={"ocid": tender.ocid, "status": str(status), "rules_version": tender.rules_version},
        )
        events.record(TenderPublished(tender_id=tender.pk, ocid=tender.ocid, at=now))
    return tender


# --- After publication --------------------------------------------------------------------------
AMENDABLE = {TenderStatus.PLANNED, TenderStatus.QUALIFICATION, TenderStatus.ENQUIRIES, TenderStatus.TENDERING}


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in after if before.get(name) != after.get(name)]


def tender_amend(*, actor: User, tender: Tender, details: TenderDetails, rationale: str) -> Amendment:
    """Change a published tender, with a public rationale. A material change while bids are open
    leaves suppliers at least the rulebook's minimum before the deadline."""
    rationale = rationale.strip()
    if not rationale:
        raise InvalidInput.for_field("rationale", _("Say why the tender is being changed."))
    cleaned = _clean(details)
    with transaction.atomic():
        tender = _lock(tender)
        access.check_can_manage_tender(actor, tender)
        now = clock.now()
        status = tender_status(tender.lifecycle, now)
        if not tender.is_published:
            raise RuleViolation(_("A draft is changed directly; amendments are for published tenders."))
        if status not in AMENDABLE:
            raise RuleViolation(
                _("The tender can no longer be amended: it is %(status)s.") % {"status": _status_label(status)}
            )
        fixed = [name for name in FIXED_AFTER_PUBLICATION if cleaned.values[name] != getattr(tender, name)]
        if fixed:
            raise RuleViolation(
                _("The procedure, currency and category cannot change after publication; cancel and re-tender."),
                fields={name: [_("This cannot change after publication.")] for name in fixed},
            )
        if cleaned.values["two_envelopes"] != tender.two_envelopes and _has_submitted_bids(tender):
            message = _(
                "Bids have already been submitted, so whether prices are opened separately can no longer "
                "change; cancel and re-tender instead."
            )
            raise RuleViolation(message, fields={"two_envelopes": [message]})
        before = _snapshot(tender)
        deadline_before = tender.tender_end
        _apply_values(tender, cleaned.values)
        passed: dict[str, list[str]] = {}
        for name, problem_field in (
            ("qualification_end", "qualification_period_end"),
            ("enquiry_end", "enquiry_period_end"),
            ("tender_start", "tender_period_start"),
        ):
            was = dt.datetime.fromisoformat(before[name]) if before[name] else None
            if was is not None and (was <= now if name == "tender_start" else was < now):
                # Periods that have closed stay closed (reopening them would favour latecomers) and
                # bids that have opened stay open: what has happened is not amended.
                setattr(tender, name, was)
            elif getattr(tender, name) is not None and getattr(tender, name) < now:
                passed[problem_field] = [_("This time has already passed: choose a later one.")]
        if passed:
            raise InvalidInput(_("A period cannot be moved into the past."), fields=passed)
        _write_parts(tender, cleaned)
        after = _snapshot(tender)
        changed = _changed_fields(before, after)
        if not changed:
            raise InvalidInput(_("Nothing was changed."))
        material = bool(set(changed) & MATERIAL_FIELDS) or "lots" in changed
        procedure_rules = rules.rules_of(tender.rules)
        if material and tender.tender_end is not None and status in AMENDABLE:
            minimum = int(tender.rules.get("amendment_minimum_days", 0))
            tender.tender_end = amended_deadline(deadline=tender.tender_end, at=now, minimum_days=minimum)
            if tender.bid_opening_at is not None and tender.bid_opening_at < tender.tender_end:
                tender.bid_opening_at = tender.tender_end
            if tender.enquiry_end is not None and tender.enquiry_end >= now:
                gap = dt.timedelta(days=procedure_rules.enquiry_closes_days_before_deadline)
                tender.enquiry_end = max(tender.enquiry_end, min(tender.tender_end - gap, now + gap))
        problems = _publication_problems(tender, _clean(details_of(tender)), published_at=tender.published_at or now)
        if problems:
            raise InvalidInput(
                _("The amendment cannot be made: %(count)s thing(s) to put right.") % {"count": len(problems)},
                fields=_problems_to_fields(problems),
            )
        tender.updated_at = now
        _refresh_deadline(tender, now)
        tender.search_text = _search_text(tender)
        tender.save()
        after = _snapshot(tender)
        changes = [
            {"field": name, "before": before.get(name), "after": after.get(name)}
            for name in _changed_fields(before, after)
        ]
        amendment = Amendment.objects.create(
            tender=tender,
            local_id=f"AMD-{tender.amendments.count() + 1}",
            rationale=rationale,
            made_at=now,
            made_by=actor,
            changes=changes,
            material=material,
            deadline_before=deadline_before,
            deadline_after=tender.tender_end,
        )
        audit_record(
            action=AuditAction.TENDER_AMENDED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="tender",
            object_id=tender.pk,
            before=before,
            after={**after, "rationale": rationale, "material": material},
        )
        events.record(
            TenderAmended(tender_id=tender.pk, ocid=tender.ocid, at=now, amendment_id=amendment.pk, material=material)
        )
        _record_transitions(tender, now)
        tender.save(update_fields=["recorded_status"])
    return amendment


def _has_submitted_bids(tender: Tender) -> bool:
    """Whether any registered bid counter (bids registers one) says the tender has submitted bids.
    With the tender row locked, no submission can commit meanwhile (it takes a shared lock)."""
    return any(counter(tender) for counter in _bid_counters)


def _status_label(status: TenderStatus) -> str:
    from procura.tenders.models import STATUS_LABELS

    return str(STATUS_LABELS[status]).lower()


def _close(
    *,
    actor: User | None,
    tender: Tender,
    final: TenderStatus,
    refusal: Callable[[TenderStatus], str | None],
    fields: Callable[[dt.datetime], dict[str, Any]],
    action: AuditAction,
    event: Callable[[Tender, dt.datetime], TenderEvent],
    reason: str = "",
) -> Tender:
    """End a tender in `final`: the one path shared by cancellation, failure and completion.

    Under the row lock: access, then `refusal(status)` (a message when the status does not allow
    it), then the transitions not yet recorded, the final status, the audit entry and the event.
    """
    with transaction.atomic():
        tender = _lock(tender)
        if actor is not None:
            access.check_can_manage_tender(actor, tender)
        now = clock.now()
        status = tender_status(tender.lifecycle, now)
        message = refusal(status)
        if message:
            raise RuleViolation(message)
        _record_transitions(tender, now)
        values = fields(now)
        for name, value in values.items():
            setattr(tender, name, value)
        tender.updated_at = now
        tender.recorded_status = final
        _refresh_deadline(tender, now)
        tender.save()
        StatusChange.objects.get_or_create(tender=tender, status=final, effective_at=now, defaults={"recorded_at": now})
        audit_record(
            action=action,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="tender",
            object_id=tender.pk,
            before={"status": str(status)},
            after={"status": str(final), **({"reason": reason} if reason else {})},
        )
        events.record(event(tender, now))
    return tender


def _only_after_bids_close(message: str) -> Callable[[TenderStatus], str | None]:
    def refusal(status: TenderStatus) -> str | None:
        return None if status == TenderStatus.EVALUATION else message % {"status": _status_label(status)}

    return refusal


def tender_cancel(*, actor: User, tender: Tender, reason: str) -> Tender:
    """Cancel a published tender, with a public reason."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Give the reason for cancelling: it is published."))

    def refusal(status: TenderStatus) -> str | None:
        if status == TenderStatus.DRAFT:
            return _("Only a published tender can be cancelled; a draft can simply be left unpublished.")
        if status.is_final:
            return _("The tender cannot be cancelled: it is already %(status)s.") % {"status": _status_label(status)}
        return None

    return _close(
        actor=actor,
        tender=tender,
        final=TenderStatus.CANCELLED,
        refusal=refusal,
        fields=lambda now: {"cancelled_at": now, "cancellation_reason": reason},
        action=AuditAction.TENDER_CANCELLED,
        event=lambda t, now: TenderCancelled(tender_id=t.pk, ocid=t.ocid, at=now, reason=reason),
        reason=reason,
    )


def tender_mark_unsuccessful(*, actor: User | None, tender: Tender, reason: str) -> Tender:
    """Close a tender without award once bids have closed (no valid bids). `actor=None`: the platform."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput.for_field("reason", _("Say why the tender failed: it is published."))
    return _close(
        actor=actor,
        tender=tender,
        final=TenderStatus.UNSUCCESSFUL,
        refusal=_only_after_bids_close(
            _("Only a tender whose bids have closed can be declared unsuccessful; it is %(status)s.")
        ),
        fields=lambda now: {"unsuccessful_at": now, "unsuccessful_reason": reason},
        action=AuditAction.TENDER_UNSUCCESSFUL,
        event=lambda t, now: TenderUnsuccessful(tender_id=t.pk, ocid=t.ocid, at=now, reason=reason),
        reason=reason,
    )


def tender_mark_complete(*, actor: User | None, tender: Tender) -> Tender:
    """Close a tender whose procurement is done (its award decided and contract concluded).
    Contract management calls this when its contracts are signed; `actor=None`: the platform."""
    return _close(
        actor=actor,
        tender=tender,
        final=TenderStatus.COMPLETE,
        refusal=_only_after_bids_close(_("Only a tender whose bids have closed can be completed; it is %(status)s.")),
        fields=lambda now: {"completed_at": now},
        action=AuditAction.TENDER_COMPLETED,
        event=lambda t, now: TenderCompleted(tender_id=t.pk, ocid=t.ocid, at=now),
    )


# Higher apps say when a deadline may no longer move, since tenders cannot look at them: bids
# registers that an opened tender's deadline is final. A guard returns the refusal, or None.
ExtensionGuard = Callable[[Tender], str | None]
_extension_guards: list[ExtensionGuard] = []


def register_extension_guard(guard: ExtensionGuard) -> None:
    if guard not in _extension_guards:
        _extension_guards.append(guard)


def tender_extend_deadline(
    *,
    actor: User | None,
    tender: Tender,
    new_deadline: dt.datetime,
    rationale: str,
    decided_by: User | None = None,
) -> Amendment:
    """Move the deadline for bids later, publicly: an amendment with its rationale, audited.

    A procurement officer (`actor`) may do it while the tender is open (it changes no terms, so
    it is not material and does not restart the amendment minimum). The platform (`actor=None`,
    after an outage) may also do it once the deadline has passed and bids are closed but not
    yet opened: that is the outage safeguard, and it reopens the tender for bids, recorded in
    the status history as evaluation → tendering at this moment. `decided_by` is the person on
    whose decision the platform acts (the administrator who recorded the incident): the
    amendment names them. Refused when the tender is over (cancelled, unsuccessful, complete),
    when the new deadline is not later than the current one and still in the future, and when
    a registered guard says so (bids already opened).

    Later dates follow so the schedule stays in order: the bid opening moves to at least the
    new deadline, and an award period (and the contract period after it) that would now start
    before bids close moves by as much as needed. Questions are untouched: the enquiry period
    has closed or closes earlier still, and reopening it would favour late askers.
    """
    rationale = rationale.strip()
    if not rationale:
        raise InvalidInput.for_field("rationale", _("Say why the deadline is being extended: it is published."))
    if new_deadline.tzinfo is None or new_deadline.utcoffset() is None:
        raise InvalidInput.for_field("new_deadline", _("Give the time with its time zone."))
    new_deadline = new_deadline.astimezone(dt.UTC)
    made_by = actor if actor is not None else decided_by
    if made_by is None:
        raise ValueError("a platform extension names the person who decided it (decided_by)")
    with transaction.atomic():
        tender = _lock(tender)
        if actor is not None:
            access.check_can_manage_tender(actor, tender)
        now = clock.now()
        status = tender_status(tender.lifecycle, now)
        if not tender.is_published:
            raise RuleViolation(_("A draft's deadline is changed directly; extensions are for published tenders."))
        if tender.tender_end is None:
            raise RuleViolation(_("This procedure has no deadline for bids to extend."))
        if status.is_final:
            raise RuleViolation(
                _("The deadline cannot be extended: the tender is %(status)s.") % {"status": _status_label(status)}
            )
        if status not in AMENDABLE and not (actor is None and status == TenderStatus.EVALUATION):
            raise RuleViolation(
                _("Bids have closed: only the platform extends a deadline that has passed, after an outage.")
            )
        if new_deadline <= tender.tender_end:
            raise InvalidInput.for_field(
                "new_deadline",
                _("The new deadline must be later than the current one, %(deadline)s.")
                % {"deadline": tender.tender_end.isoformat(timespec="minutes")},
            )
        if new_deadline <= now:
            raise InvalidInput.for_field("new_deadline", _("The new deadline must be in the future."))
        for guard in _extension_guards:
            message = guard(tender)
            if message:
                raise RuleViolation(message)
        # What happened under the old deadline (bids closing) is history: record it first.
        _record_transitions(tender, now)
        before = _snapshot(tender)
        deadline_before = tender.tender_end
        tender.tender_end = new_deadline
        if tender.bid_opening_at is not None and tender.bid_opening_at < new_deadline:
            tender.bid_opening_at = new_deadline
        if tender.award_start is not None and tender.award_start < new_deadline:
            shift = new_deadline - tender.award_start
            tender.award_start += shift
            tender.award_end = tender.award_end + shift if tender.award_end is not None else None
        award_end = tender.award_end
        if tender.contract_start is not None and award_end is not None and tender.contract_start < award_end:
            shift = award_end - tender.contract_start
            tender.contract_start += shift
            tender.contract_end = tender.contract_end + shift if tender.contract_end is not None else None
        problems = schedule_problems(
            rules.rules_of(tender.rules),
            tender.schedule,
            published_at=tender.published_at or now,
            value=tender.value_amount,
        )
        if problems:
            raise InvalidInput(
                _("The deadline cannot be extended: %(count)s thing(s) to put right.") % {"count": len(problems)},
                fields=_problems_to_fields(problems),
            )
        tender.updated_at = now
        _refresh_deadline(tender, now)
        tender.save()
        after = _snapshot(tender)
        changed = _changed_fields(before, after)
        changes = [{"field": name, "before": before.get(name), "after": after.get(name)} for name in changed]
        amendment = Amendment.objects.create(
            tender=tender,
            local_id=f"AMD-{tender.amendments.count() + 1}",
            rationale=rationale,
            made_at=now,
            made_by=made_by,
            changes=changes,
            material=False,
            deadline_before=deadline_before,
            deadline_after=new_deadline,
        )
        audit_record(
            action=AuditAction.TENDER_DEADLINE_EXTENDED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="tender",
            object_id=tender.pk,
            before={"status": str(status), **{name: before.get(name) for name in changed}},
            after={
                **{name: after.get(name) for name in changed},
                "rationale": rationale,
                "amendment": amendment.local_id,
                "decided_by": str(made_by.pk),
            },
        )
        events.record(
            TenderAmended(tender_id=tender.pk, ocid=tender.ocid, at=now, amendment_id=amendment.pk, material=False)
        )
        reopened = tender_status(tender.lifecycle, now)
        if reopened != status:
            # Time only moves statuses forward, so `status_transitions` cannot see a tender going
            # back to taking bids: the extension records that step itself, at this moment.
            StatusChange.objects.create(tender=tender, status=reopened, effective_at=now, recorded_at=now)
            events.record(
                TenderStatusChanged(tender_id=tender.pk, ocid=tender.ocid, at=now, status=reopened, previous=status)
            )
            audit_record(
                action=AuditAction.TENDER_STATUS_RECORDED,
                actor=None,
                organisation_id=tender.buyer_id,
                object_type="tender",
                object_id=tender.pk,
                before={"status": str(status)},
                after={"status": str(reopened), "effective_at": now.isoformat()},
            )
        _record_transitions(tender, now)
        tender.save(update_fields=["recorded_status"])
    return amendment


# --- Clarifications -------------------------------------------------------------------------------
def clarification_ask(
    *, actor: User, tender: Tender, supplier: Organisation, question: str, lot: Lot | None = None
) -> Clarification:
    """A supplier asks a question. Refused after the enquiry deadline, decided inside the
    transaction with the tender row locked, so a concurrent amendment cannot race it."""
    question = question.strip()
    if not question:
        raise InvalidInput.for_field("question", _("Write your question."))
    if len(question) > 5000:
        raise InvalidInput.for_field("question", _("A question can be at most 5,000 characters."))
    with transaction.atomic():
        tender = _lock(tender)
        access.check_can_view_tender(actor, tender)
        access.check_can_ask_question(actor, supplier)
        now = clock.now()
        status = tender_status(tender.lifecycle, now)
        if status.is_final or tender.enquiry_end is None:
            raise RuleViolation(_("This tender does not take questions."))
        if now > tender.enquiry_end:
            raise RuleViolation(
                _("Questions closed at %(deadline)s.") % {"deadline": tender.enquiry_end.isoformat(timespec="minutes")},
                fields={"question": [_("The deadline for questions has passed.")]},
            )
        if lot is not None and lot.tender_id != tender.pk:
            raise InvalidInput.for_field("lot", _("Choose a lot of this tender."))
        clarification = Clarification.objects.create(
            tender=tender,
            local_id=f"Q-{tender.clarifications.count() + 1}",
            lot=lot,
            question=question,
            asked_at=now,
            asked_by=actor,
            asker_organisation=supplier,
        )
        audit_record(
            action=AuditAction.CLARIFICATION_ASKED,
            actor=actor,
            organisation_id=supplier.pk,
            object_type="clarification",
            object_id=clarification.pk,
            after={"tender": tender.ocid, "question": question},
        )
        events.record(
            ClarificationAsked(tender_id=tender.pk, ocid=tender.ocid, at=now, clarification_id=clarification.pk)
        )
    return clarification


def clarification_answer(*, actor: User, clarification: Clarification, answer: str) -> Clarification:
    """The buyer answers; the question and answer become public together."""
    answer = answer.strip()
    if not answer:
        raise InvalidInput.for_field("answer", _("Write the answer."))
    with transaction.atomic():
        tender = _lock(clarification.tender)
        access.check_can_manage_tender(actor, tender)
        clarification = Clarification.objects.select_for_update().get(pk=clarification.pk)
        if clarification.answered_at is not None:
            raise Conflict(_("This question has already been answered; publish a correction as an amendment."))
        now = clock.now()
        clarification.answer = answer
        clarification.answered_at = now
        clarification.answered_by = actor
        clarification.save(update_fields=["answer", "answered_at", "answered_by"])
        audit_record(
            action=AuditAction.CLARIFICATION_ANSWERED,
            actor=actor,
            organisation_id=tender.buyer_id,
            object_type="clarification",
            object_id=clarification.pk,
            after={"tender": tender.ocid, "answer": answer},
        )
        events.record(
            ClarificationAnswered(tender_id=tender.pk, ocid=tender.ocid, at=now, clarification_id=clarification.pk)
        )
    return clarification


# --- Time: the sweep --------------------------------------------------------------------------------
# Higher apps (bids) tell the sweep how many valid bids a tender received; with none, a tender
# whose bids have closed is declared unsuccessful. Without a counter nothing is assumed.
BidCounter = Callable[[Tender], int | None]  # None: the tender does not take bids on the platform
_bid_counters: list[BidCounter] = []


def register_bid_counter(counter: BidCounter) -> None:
    if counter not in _bid_counters:
        _bid_counters.append(counter)


def _record_transitions(tender: Tender, now: dt.datetime) -> list[StatusChange]:
    """Record (with events and audit entries) the transitions that took effect up to `now` and
    are not recorded yet, and set `recorded_status` (the caller saves). Inside the caller's
    transaction, with the tender locked. Amendments, cancellation and failure call it too, so the
    history stays complete (and in order) even when the sweep has not run."""
    last = tender.status_changes.order_by("-effective_at", "-id").first()
    since = last.effective_at if last else (tender.published_at or now)
    recorded: list[StatusChange] = []
    previous = tender.recorded_status
    for effective_at, status in status_transitions(tender.lifecycle, since=since, until=now):
        change, created = StatusChange.objects.get_or_create(
            tender=tender, status=status, effective_at=effective_at, defaults={"recorded_at": now}
        )
        if created:
            recorded.append(change)
            events.record(
                TenderStatusChanged(
                    tender_id=tender.pk, ocid=tender.ocid, at=effective_at, status=status, previous=previous
                )
            )
            audit_record(
                action=AuditAction.TENDER_STATUS_RECORDED,
                actor=None,
                organisation_id=tender.buyer_id,
                object_type="tender",
                object_id=tender.pk,
                before={"status": previous},
                after={"status": str(status), "effective_at": effective_at.isoformat()},
            )
            previous = status
    tender.recorded_status = tender_status(tender.lifecycle, now)
    return recorded


def tender_record_status(*, tender: Tender, at: dt.datetime | None = None) -> list[StatusChange]:
    """Make the status transitions that have taken effect durable, and emit their events."""
    with transaction.atomic():
        tender = _lock(tender)
        now = at or clock.now()
        if not tender.is_published:
            return []
        recorded = _record_transitions(tender, now)
        _refresh_deadline(tender, now)
        tender.save(update_fields=["recorded_status", "next_deadline_at"])
    counts = [counter(tender) for counter in _bid_counters] if tender.recorded_status == TenderStatus.EVALUATION else []
    if counts and None not in counts and sum(c for c in counts if c is not None) == 0:
        tender_mark_unsuccessful(actor=None, tender=tender, reason=_("No valid bids were received."))
    return recorded


def tenders_sweep(*, at: dt.datetime | None = None, limit: int = 500) -> int:
    """Record the transitions of every tender whose next deadline has passed. Returns how many
    tenders were looked at. Statuses never depend on this having run; it makes them durable."""
    now = at or clock.now()
    due = list(
        Tender.objects.filter(next_deadline_at__lte=now)
        .order_by("next_deadline_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        try:
            tender_record_status(tender=Tender(pk=pk), at=now)
        except ProcuraError:
            # One tender that cannot move on (another sweep got there first) must not stop the rest.
            logger.warning("tender sweep skipped %s", pk, exc_info=True)
    return len(due)
