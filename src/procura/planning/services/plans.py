"""Procurement plans and their lines: create, change, publish, add, change and remove lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from procura.accounts.models import Organisation, User
from procura.audit.codes import AuditAction
from procura.audit.services import audit_record
from procura.classifications.models import Scheme
from procura.classifications.selectors import classification_get
from procura.core import clock
from procura.core.errors import Conflict, RuleViolation
from procura.core.events import record
from procura.core.identifiers import allocate_ocid
from procura.core.values import Problems, clean_text
from procura.planning import access, domain, events
from procura.planning.models import MainCategory, PlanLine, PlannedProcedure, PlanStatus, ProcurementPlan
from procura.planning.services.values import TEXT_LIMIT, clean_amount, clean_currency

TITLE_LIMIT = 300
BUDGET_SOURCE_LIMIT = 300
BUDGET_REFERENCE_LIMIT = 100
MAX_LOTS = 100

# What a line's audit entries compare.
LINE_FIELDS = (
    "title",
    "description",
    "main_category",
    "classification_scheme",
    "classification_code",
    "classification_description",
    "estimated_amount",
    "currency",
    "budget_source",
    "budget_reference",
    "planned_tender_date",
    "procedure",
    "lots",
)


@dataclass(frozen=True, kw_only=True)
class PlanLineDetails:
    """What a procurement officer enters about an intended purchase; validated by `clean()`.

    `lots` is a list of {"title": ..., "value": ...}, the value in the line's currency.
    """

    title: str
    main_category: str
    classification_scheme: str
    classification_code: str
    estimated_amount: Decimal | int | str | None
    currency: str
    budget_source: str
    planned_tender_date: dt.date | None
    procedure: str
    description: str = ""
    budget_reference: str = ""
    lots: Sequence[Mapping[str, Any]] = ()

    def clean(self) -> dict[str, Any]:
        """The values to store, or InvalidInput naming every bad field ("lots.0.title" for a lot)."""
        problems = Problems()
        values: dict[str, Any] = {
            "title": clean_text(
                self.title,
                field="title",
                problems=problems,
                max_length=TITLE_LIMIT,
                required=_("Enter a title for the line."),
            ),
            "description": clean_text(self.description, field="description", problems=problems, max_length=TEXT_LIMIT),
            "budget_source": clean_text(
                self.budget_source,
                field="budget_source",
                problems=problems,
                max_length=BUDGET_SOURCE_LIMIT,
                required=_("Enter where the money comes from, such as the budget programme."),
            ),
            "budget_reference": clean_text(
                self.budget_reference, field="budget_reference", problems=problems, max_length=BUDGET_REFERENCE_LIMIT
            ),
        }
        if self.main_category not in MainCategory.values:
            problems.add("main_category", _("Choose goods, works or services."))
        values["main_category"] = self.main_category
        if self.procedure not in PlannedProcedure.values:
            problems.add("procedure", _("Choose one of the procedures offered."))
        values["procedure"] = self.procedure
        values.update(self._classification(problems))
        values["currency"] = clean_currency(self.currency, field="currency", problems=problems)
        values["estimated_amount"] = clean_amount(
            self.estimated_amount,
            currency=values["currency"],
            field="estimated_amount",
            problems=problems,
            required=_("Enter the estimated value."),
        )
        values["planned_tender_date"] = self._planned_date(problems)
        values["lots"] = self._lots(values["currency"], values["estimated_amount"], problems)
        problems.raise_if_any(_("Some details of the plan line need correcting."))
        return values

    def _classification(self, problems: Problems) -> dict[str, str]:
        scheme = self.classification_scheme.strip().upper() if isinstance(self.classification_scheme, str) else ""
        code = self.classification_code.strip() if isinstance(self.classification_code, str) else ""
        if scheme not in Scheme.values:
            problems.add("classification_scheme", _("Choose a classification scheme: CPV or UNSPSC."))
            return {}
        if not code:
            problems.add("classification_code", _("Enter the classification code of what you will buy."))
            return {}
        found = classification_get(scheme=scheme, code=code) if "\x00" not in code and len(code) <= 32 else None
        if found is None:
            problems.add(
                "classification_code",
                _("%(code)s is not a %(scheme)s code Procura knows. Check the code, for example 33140000-3.")
                % {"code": code[:32], "scheme": scheme},
            )
            return {}
        return {
            "classification_scheme": found.scheme,
            "classification_code": found.code,
            "classification_description": found.description,
        }

    def _planned_date(self, problems: Problems) -> dt.date | None:
        value: Any = self.planned_tender_date
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value.strip())
            except ValueError:
                value = None
        if not isinstance(value, dt.date):
            problems.add("planned_tender_date", _("Enter the date you plan to start the tender, like 2026-09-30."))
            return None
        if not domain.year_is_sensible(value.year):
            problems.add(
                "planned_tender_date",
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": domain.FIRST_PLAN_YEAR, "last": domain.LAST_PLAN_YEAR},
            )
            return None
        return value

    def _lots(self, currency: str, line_amount: Decimal | None, problems: Problems) -> list[dict[str, str]]:
        lots = self.lots
        if lots is None:
            return []
        if isinstance(lots, (str, bytes, Mapping)) or not isinstance(lots, Sequence):
            problems.add("lots", _("Give the lots as a list, each with a title and a value."))
            return []
        if len(lots) > MAX_LOTS:
            problems.add("lots", _("A line has at most %(count)d lots.") % {"count": MAX_LOTS})
            return []
        cleaned: list[dict[str, str]] = []
        total = Decimal(0)
        for index, lot in enumerate(lots):
            if not isinstance(lot, Mapping):
                problems.add(f"lots.{index}", _("Give each lot a title and a value."))
                continue
            title = clean_text(
                lot.get("title"),
                field=f"lots.{index}.title",
                problems=problems,
                max_length=TITLE_LIMIT,
                required=_("Enter the lot's title."),
            )
            value = clean_amount(
                lot.get("value"),
                currency=currency,
                field=f"lots.{index}.value",
                problems=problems,
                required=_("Enter the lot's estimated value."),
            )
            if value is not None:
                total += value
                cleaned.append({"title": title, "value": str(value)})
        if line_amount is not None and len(cleaned) == len(lots) and total > line_amount:
            problems.add("lots", _("The lots' values add up to more than the line's estimated value."))
        return cleaned


def _line_snapshot(line: PlanLine) -> dict[str, Any]:
    return {name: getattr(line, name) for name in LINE_FIELDS}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [name for name in after if before.get(name) != after[name]]
    return {name: before.get(name) for name in changed}, {name: after[name] for name in changed}


def _clean_plan(*, title: Any, description: Any, problems: Problems) -> dict[str, str]:
    return {
        "title": clean_text(
            title, field="title", problems=problems, max_length=TITLE_LIMIT, required=_("Enter a title for the plan.")
        ),
        "description": clean_text(description, field="description", problems=problems, max_length=TEXT_LIMIT),
    }


def _year_taken(buyer: Organisation, year: int) -> Conflict:
    message = _("%(name)s already has a procurement plan for %(year)s.") % {"name": buyer, "year": year}
    return Conflict(message, fields={"year": [message]})


def plan_create(*, actor: User, buyer: Organisation, year: int, title: str, description: str = "") -> ProcurementPlan:
    """Start a buyer's plan for a financial year, as a draft. One plan per buyer and year."""
    try:
        with transaction.atomic():
            access.check_can_manage_plans(actor, buyer)
            problems = Problems()
            if isinstance(year, bool) or not isinstance(year, int) or not domain.year_is_sensible(year):
                problems.add(
                    "year",
                    _("Enter a year between %(first)s and %(last)s.")
                    % {"first": domain.FIRST_PLAN_YEAR, "last": domain.LAST_PLAN_YEAR},
                )
            values = _clean_plan(title=title, description=description, problems=problems)
            problems.raise_if_any(_("Some details of the plan need correcting."))
            if ProcurementPlan.objects.filter(buyer=buyer, year=year).exists():
                raise _year_taken(buyer, year)
            now = clock.now()
            plan = ProcurementPlan.objects.create(
                buyer=buyer, year=year, created_by=actor, created_at=now, updated_at=now, **values
            )
            audit_record(
                action=AuditAction.PLAN_CREATED,
                actor=actor,
                organisation_id=buyer.pk,
                object_type="procurement_plan",
                object_id=plan.pk,
                after={"year": year, **values},
            )
            record(events.PlanCreated(plan_id=plan.pk, buyer_id=buyer.pk, year=year))
    except IntegrityError:
        raise _year_taken(buyer, year) from None
    return plan


def plan_update(*, actor: User, plan: ProcurementPlan, title: str, description: str = "") -> ProcurementPlan:
    """Change a plan's title and description (a published plan too: the change is published)."""
    with transaction.atomic():
        plan = ProcurementPlan.objects.select_for_update(of=("self",)).select_related("buyer").get(pk=plan.pk)
        access.check_can_manage_plans(actor, plan.buyer)
        problems = Problems()
        values = _clean_plan(title=title, description=description, problems=problems)
        problems.raise_if_any(_("Some details of the plan need correcting."))
        before, after = _changes({"title": plan.title, "description": plan.description}, values)
        if not after:
            return plan
        for name, value in after.items():
            setattr(plan, name, value)
        plan.updated_at = clock.now()
        plan.save()
        audit_record(
            action=AuditAction.PLAN_UPDATED,
            actor=actor,
            organisation_id=plan.buyer_id,
            object_type="procurement_plan",
            object_id=plan.pk,
            before=before,
            after=after,
        )
        record(
            events.PlanUpdated(plan_id=plan.pk, buyer_id=plan.buyer_id, published=plan.status == PlanStatus.PUBLISHED)
        )
    return plan


def plan_publish(*, actor: User, plan: ProcurementPlan) -> ProcurementPlan:
    """Make a draft plan and its lines public. Publishing a published plan returns it unchanged."""
    with transaction.atomic():
        plan = ProcurementPlan.objects.select_for_update(of=("self",)).select_related("buyer").get(pk=plan.pk)
        access.check_can_manage_plans(actor, plan.buyer)
        if plan.status == PlanStatus.PUBLISHED:
            return plan
        ocids = tuple(plan.lines.order_by("position", "id").values_list("ocid", flat=True))
        if not ocids:
            message = _("Add at least one line to the plan before publishing it.")
            raise RuleViolation(message, fields={"lines": [message]})
        now = clock.now()
        plan.status = PlanStatus.PUBLISHED
        plan.published_at = now
        plan.updated_at = now
        plan.save()
        audit_record(
            action=AuditAction.PLAN_PUBLISHED,
            actor=actor,
            organisation_id=plan.buyer_id,
            object_type="procurement_plan",
            object_id=plan.pk,
            before={"status": PlanStatus.DRAFT},
            after={"status": PlanStatus.PUBLISHED, "lines": len(ocids)},
        )
        record(events.PlanPublished(plan_id=plan.pk, buyer_id=plan.buyer_id, published_at=now, ocids=ocids))
    return plan


def plan_line_add(*, actor: User, plan: ProcurementPlan, details: PlanLineDetails) -> PlanLine:
    """Add an intended purchase to a plan: a new contracting process, with its own ocid."""
    with transaction.atomic():
        plan = ProcurementPlan.objects.select_for_update(of=("self",)).select_related("buyer").get(pk=plan.pk)
        access.check_can_manage_plans(actor, plan.buyer)
        values = details.clean()
        last = plan.lines.aggregate(last=Max("position"))["last"]
        now = clock.now()
        line = PlanLine.objects.create(
            plan=plan,
            ocid=allocate_ocid(),
            position=0 if last is None else last + 1,
            created_at=now,
            updated_at=now,
            **values,
        )
        plan.updated_at = now
        plan.save(update_fields=["updated_at"])
        audit_record(
            action=AuditAction.PLAN_LINE_ADDED,
            actor=actor,
            organisation_id=plan.buyer_id,
            object_type="plan_line",
            object_id=line.pk,
            after={"plan": str(plan.pk), "ocid": line.ocid, **values},
        )
        record(
            events.PlanLineAdded(
                plan_id=plan.pk,
                line_id=line.pk,
                buyer_id=plan.buyer_id,
                ocid=line.ocid,
                published=plan.status == PlanStatus.PUBLISHED,
            )
        )
    return line


def plan_line_update(*, actor: User, line: PlanLine, details: PlanLineDetails) -> PlanLine:
    """Change a line (of a published plan too: the change is published). Its ocid stays."""
    with transaction.atomic():
        line = PlanLine.objects.select_for_update().get(pk=line.pk)
        plan = ProcurementPlan.objects.select_related("buyer").get(pk=line.plan_id)
        access.check_can_manage_plans(actor, plan.buyer)
        values = details.clean()
        before, after = _changes(_line_snapshot(line), values)
        if not after:
            return line
        for name, value in after.items():
            setattr(line, name, value)
        line.updated_at = clock.now()
        line.save()
        audit_record(
            action=AuditAction.PLAN_LINE_UPDATED,
            actor=actor,
            organisation_id=plan.buyer_id,
            object_type="plan_line",
            object_id=line.pk,
            before=before,
            after=after,
        )
        record(
            events.PlanLineUpdated(
                plan_id=plan.pk,
                line_id=line.pk,
                buyer_id=plan.buyer_id,
                ocid=line.ocid,
                published=plan.status == PlanStatus.PUBLISHED,
            )
        )
    return line


def plan_line_remove(*, actor: User, line: PlanLine) -> None:
    """Remove a line from a draft plan. Published lines stay: their ocids are public."""
    with transaction.atomic():
        plan = ProcurementPlan.objects.select_for_update(of=("self",)).select_related("buyer").get(pk=line.plan_id)
        line = PlanLine.objects.select_for_update().get(pk=line.pk)
        access.check_can_manage_plans(actor, plan.buyer)
        if plan.status != PlanStatus.DRAFT:
            raise RuleViolation(
                _("Lines of a published plan cannot be removed: they are public. Change the line instead.")
            )
        if line.business_cases.exists():
            raise RuleViolation(_("This line has business cases, which are kept as the record of the decisions on it."))
        audit_record(
            action=AuditAction.PLAN_LINE_REMOVED,
            actor=actor,
            organisation_id=plan.buyer_id,
            object_type="plan_line",
            object_id=line.pk,
            before={"plan": str(plan.pk), "ocid": line.ocid, **_line_snapshot(line)},
        )
        record(events.PlanLineRemoved(plan_id=plan.pk, line_id=line.pk, buyer_id=plan.buyer_id, ocid=line.ocid))
        line.delete()
