"""Tender rules that need no database: procedures as data, schedules, statuses, award criteria.

Everything here works on plain values so it can be tested in milliseconds and reasoned about
without fixtures. Messages are returned as (field, message) pairs; the service layer translates
them into the one error envelope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from enum import StrEnum
from typing import Any

DAY = dt.timedelta(days=1)


def gettext_noop(message: str) -> str:
    """Marks a message for translation (Django's makemessages finds it); services translate it."""
    return message


@dataclass(frozen=True)
class Problem:
    """Why something is refused: the field it concerns and a translatable message with its values."""

    field: str
    message: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)

    def text(self, translate: Any = None) -> str:
        message = translate(self.message) if translate else self.message
        return message % dict(self.params) if self.params else message


class Procedure(StrEnum):
    OPEN = "open"
    RESTRICTED = "restricted"
    REQUEST_FOR_QUOTATION = "request_for_quotation"
    NEGOTIATED = "negotiated"
    DIRECT = "direct"


class PeriodName(StrEnum):
    QUALIFICATION = "qualification"  # requests to participate (restricted procedures)
    ENQUIRY = "enquiry"  # questions from suppliers
    TENDER = "tender"  # bids
    AWARD = "award"
    CONTRACT = "contract"


class Participation(StrEnum):
    ANY = "any"  # any supplier may bid
    PREQUALIFIED = "prequalified"  # only suppliers admitted at the qualification stage
    INVITED = "invited"  # only suppliers the buyer invites


class MainCategory(StrEnum):
    GOODS = "goods"
    WORKS = "works"
    SERVICES = "services"


class AwardCriteria(StrEnum):
    """OCDS awardCriteria codelist values Procura supports."""

    PRICE_ONLY = "priceOnly"
    COST_ONLY = "costOnly"
    RATED = "ratedCriteria"  # price and quality, with named criteria and weights


class CriterionKind(StrEnum):
    PRICE = "price"
    COST = "cost"
    QUALITY = "quality"


class TenderStatus(StrEnum):
    """Procura's statuses, derived from stored dates and events (see `tender_status`)."""

    DRAFT = "draft"
    PLANNED = "planned"  # published, no period has begun
    QUALIFICATION = "qualification"  # open for requests to participate
    ENQUIRIES = "enquiries"  # open for questions, not yet for bids
    TENDERING = "tendering"  # open for bids
    EVALUATION = "evaluation"  # bids closed, award pending
    COMPLETE = "complete"
    CANCELLED = "cancelled"
    UNSUCCESSFUL = "unsuccessful"

    @property
    def ocds(self) -> str | None:
        """The OCDS tender.status for this status (None: never published)."""
        return _OCDS_STATUS[self]

    @property
    def is_final(self) -> bool:
        return self in {TenderStatus.COMPLETE, TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL}


_OCDS_STATUS: dict[TenderStatus, str | None] = {
    TenderStatus.DRAFT: None,
    TenderStatus.PLANNED: "planned",
    TenderStatus.QUALIFICATION: "active",
    TenderStatus.ENQUIRIES: "active",
    TenderStatus.TENDERING: "active",
    TenderStatus.EVALUATION: "active",
    TenderStatus.COMPLETE: "complete",
    TenderStatus.CANCELLED: "cancelled",
    TenderStatus.UNSUCCESSFUL: "unsuccessful",
}

# Fields whose change after publication is material: suppliers must get time to react. Named as
# in TenderDetails and Amendment.changes (a moved deadline is `tender_end`).
MATERIAL_FIELDS = frozenset(
    {
        "description",
        "documents",
        "lots",
        "items",
        "award_criteria",
        "criteria",
        "eligibility_criteria",
        "selection_criteria",
        "tender_end",
        "bid_opening_at",
        "two_envelopes",
    }
)


# --- Procedure rules as data ------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ProcedureRules:
    """What a procedure allows and requires, in one jurisdiction's rulebook version."""

    procedure: str
    ocds_method: str  # open, selective, limited or direct (OCDS procurementMethod)
    method_details: str  # human-readable name, published as procurementMethodDetails
    periods: tuple[str, ...]  # which PeriodName values the procedure has
    min_tender_days: int = 0
    min_tender_days_above_threshold: int = 0
    threshold: Decimal | None = None  # value from which the longer minimum applies
    min_enquiry_days: int = 0
    enquiry_closes_days_before_deadline: int = 0  # questions close this long before bids do
    min_qualification_days: int = 0
    participation: str = Participation.ANY
    public_opening: bool = True
    value_shown: bool = True
    # Whether the number of bids received may be shown while bids are still sealed.
    bid_count_before_opening: bool = False
    justification_required: bool = False

    def has(self, period: str) -> bool:
        return period in self.periods

    def minimum_tender_days(self, value: Decimal | None) -> int:
        """The minimum tender period for a tender of this value (unknown value: the strictest)."""
        if self.threshold is None:
            return self.min_tender_days
        if value is None or value >= self.threshold:
            return max(self.min_tender_days, self.min_tender_days_above_threshold)
        return self.min_tender_days

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["periods"] = list(self.periods)
        data["threshold"] = None if self.threshold is None else str(self.threshold)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcedureRules:
        values = dict(data)
        values["periods"] = tuple(values.get("periods", ()))
        threshold = values.get("threshold")
        values["threshold"] = None if threshold in (None, "") else Decimal(str(threshold))
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown procedure rule(s): {', '.join(sorted(unknown))}")
        for name in values["periods"]:
            PeriodName(name)
        Participation(values.get("participation", Participation.ANY))
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class Rulebook:
    """One jurisdiction's procedure rules at one version. Tenders keep the version they used."""

    jurisdiction: str
    version: str
    currency: str
    amendment_minimum_days: int  # a material amendment leaves at least this long to the deadline
    procedures: Mapping[str, ProcedureRules] = dataclass_field(default_factory=dict)

    def rules_for(self, procedure: str) -> ProcedureRules:
        return self.procedures[procedure]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rulebook:
        procedures = {
            str(Procedure(name)): ProcedureRules.from_json({"procedure": name, **rules})
            for name, rules in dict(data["procedures"]).items()
        }
        return cls(
            jurisdiction=str(data["jurisdiction"]),
            version=str(data["version"]),
            currency=str(data["currency"]),
            amendment_minimum_days=int(data["amendment_minimum_days"]),
            procedures=procedures,
        )


# --- Schedules ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    start: dt.datetime | None
    end: dt.datetime | None

    @property
    def is_set(self) -> bool:
        return self.start is not None or self.end is not None

    def contains(self, at: dt.datetime) -> bool:
        return (self.start is None or self.start <= at) and (self.end is not None and at <= self.end)


NO_PERIOD = Period(None, None)


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """A tender's dates, as stored."""

    qualification: Period = NO_PERIOD
    enquiry: Period = NO_PERIOD
    tender: Period = NO_PERIOD
    award: Period = NO_PERIOD
    contract: Period = NO_PERIOD
    bid_opening_at: dt.datetime | None = None

    def period(self, name: str) -> Period:
        period: Period = getattr(self, PeriodName(name).value)
        return period


Problems = list[Problem]


def schedule_problems(
    rules: ProcedureRules, schedule: Schedule, *, published_at: dt.datetime, value: Decimal | None
) -> Problems:
    """Why a schedule is not allowed for a tender published at `published_at`; empty when fine.

    Durations are counted from publication when a period starts earlier, because suppliers only
    learn of the tender then.
    """
    problems: Problems = []
    for name in PeriodName:
        period = schedule.period(name)
        if not rules.has(name) and period.is_set and name not in {PeriodName.AWARD, PeriodName.CONTRACT}:
            problems.append(Problem(f"{name}_period", gettext_noop("This procedure has no such period.")))
        if period.start and period.end and period.end <= period.start:
            problems.append(Problem(f"{name}_period_end", gettext_noop("The period must end after it starts.")))

    tender = schedule.tender
    if rules.has(PeriodName.TENDER):
        if tender.end is None:
            problems.append(Problem("tender_period_end", gettext_noop("Enter the deadline for bids.")))
        else:
            opens = max(tender.start or published_at, published_at)
            minimum = rules.minimum_tender_days(value)
            if tender.end - opens < minimum * DAY:
                problems.append(
                    Problem(
                        "tender_period_end",
                        gettext_noop(
                            "This procedure must be open for bids for at least %(minimum)s days from "
                            "publication; this deadline leaves %(left)s days."
                        ),
                        {"minimum": minimum, "left": _days_left(tender.end - opens)},
                    )
                )
        if schedule.bid_opening_at and tender.end and schedule.bid_opening_at < tender.end:
            problems.append(
                Problem("bid_opening_at", gettext_noop("Bids cannot be opened before the deadline for bids."))
            )
    elif schedule.bid_opening_at is not None:
        problems.append(Problem("bid_opening_at", gettext_noop("This procedure has no bid opening.")))

    if rules.has(PeriodName.ENQUIRY):
        enquiry = schedule.enquiry
        if enquiry.end is None:
            problems.append(Problem("enquiry_period_end", gettext_noop("Enter the deadline for questions.")))
        else:
            opens = max(enquiry.start or published_at, published_at)
            if enquiry.end - opens < rules.min_enquiry_days * DAY:
                problems.append(
                    Problem(
                        "enquiry_period_end",
                        gettext_noop("Suppliers must have at least %(minimum)s days to ask questions."),
                        {"minimum": rules.min_enquiry_days},
                    )
                )
            if tender.end is not None:
                latest = tender.end - rules.enquiry_closes_days_before_deadline * DAY
                if enquiry.end > latest:
                    gap = rules.enquiry_closes_days_before_deadline
                    problems.append(
                        Problem(
                            "enquiry_period_end",
                            gettext_noop("Questions must close at least %(gap)s days before the deadline for bids.")
                            if gap
                            else gettext_noop("Questions must close no later than the deadline for bids."),
                            {"gap": gap} if gap else {},
                        )
                    )

    if rules.has(PeriodName.QUALIFICATION):
        qualification = schedule.qualification
        if qualification.end is None:
            problems.append(
                Problem("qualification_period_end", gettext_noop("Enter the deadline for requests to participate."))
            )
        else:
            opens = max(qualification.start or published_at, published_at)
            if qualification.end - opens < rules.min_qualification_days * DAY:
                problems.append(
                    Problem(
                        "qualification_period_end",
                        gettext_noop("Requests to participate must be open for at least %(minimum)s days."),
                        {"minimum": rules.min_qualification_days},
                    )
                )
            if tender.start is None or tender.start < qualification.end:
                problems.append(
                    Problem(
                        "tender_period_start",
                        gettext_noop("Bids can only open after the qualification stage has ended."),
                    )
                )

    bids_close = tender.end if rules.has(PeriodName.TENDER) else None
    if schedule.award.start and bids_close and schedule.award.start < bids_close:
        problems.append(
            Problem("award_period_start", gettext_noop("The award period cannot start before the deadline for bids."))
        )
    if schedule.contract.start and schedule.award.end and schedule.contract.start < schedule.award.end:
        problems.append(
            Problem("contract_period_start", gettext_noop("The contract cannot start before the award period ends."))
        )
    return problems


def _days_left(delta: dt.timedelta) -> str:
    days = max(delta, dt.timedelta(0)) / DAY
    return f"{days:.1f}".removesuffix(".0")


def amended_deadline(*, deadline: dt.datetime, at: dt.datetime, minimum_days: int) -> dt.datetime:
    """After a material change at `at`, bids stay open at least `minimum_days` more."""
    return max(deadline, at + minimum_days * DAY)


# --- Statuses -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class LifecycleFacts:
    """The stored dates and events a tender's status follows from."""

    published_at: dt.datetime | None
    schedule: Schedule
    cancelled_at: dt.datetime | None = None
    unsuccessful_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None


def tender_status(facts: LifecycleFacts, at: dt.datetime) -> TenderStatus:
    """The status at `at`. Right at any moment: nothing depends on a job having run."""
    if facts.published_at is None or at < facts.published_at:
        return TenderStatus.DRAFT
    for when, status in (
        (facts.cancelled_at, TenderStatus.CANCELLED),
        (facts.unsuccessful_at, TenderStatus.UNSUCCESSFUL),
        (facts.completed_at, TenderStatus.COMPLETE),
    ):
        if when is not None and when <= at:
            return status
    s = facts.schedule
    if s.qualification.end is not None and at <= s.qualification.end:
        return TenderStatus.QUALIFICATION
    if s.tender.end is not None:
        # A deadline is inclusive: a bid at exactly the deadline is on time.
        if at > s.tender.end:
            return TenderStatus.EVALUATION
        if s.tender.start is None or s.tender.start <= at:
            return TenderStatus.TENDERING
        if s.enquiry.end is not None and at <= s.enquiry.end:
            return TenderStatus.ENQUIRIES
        return TenderStatus.PLANNED
    # Procedures without a tender period (direct award) go straight to the award decision.
    return TenderStatus.EVALUATION


def _moments(facts: LifecycleFacts) -> list[dt.datetime]:
    s = facts.schedule
    candidates: list[dt.datetime | None] = [
        facts.published_at,
        facts.cancelled_at,
        facts.unsuccessful_at,
        facts.completed_at,
        s.qualification.end,
        s.enquiry.end,
        s.tender.start,
        s.tender.end,
        s.bid_opening_at,
    ]
    return sorted({c for c in candidates if c is not None})


_TICK = dt.timedelta(microseconds=1)


def next_deadline(facts: LifecycleFacts, at: dt.datetime) -> dt.datetime | None:
    """The next moment after `at` at which something about the tender changes by itself.

    Deadlines are inclusive, so a status changes just after the stored moment; the moment itself
    is what the tender shows and what a sweep waits for.
    """
    if tender_status(facts, at).is_final:
        return None
    for moment in _moments(facts):
        if moment >= at and tender_status(facts, moment + _TICK) != tender_status(facts, at):
            return moment
        if moment > at and moment == facts.schedule.bid_opening_at:
            return moment
    return None


def status_transitions(
    facts: LifecycleFacts, *, since: dt.datetime, until: dt.datetime
) -> list[tuple[dt.datetime, TenderStatus]]:
    """Each status change in (since, until], with the moment it took effect, oldest first."""
    changes: list[tuple[dt.datetime, TenderStatus]] = []
    current = tender_status(facts, since)
    for moment in _moments(facts):
        for instant in (moment, moment + _TICK):
            if since < instant <= until:
                status = tender_status(facts, instant)
                if status != current:
                    changes.append((instant, status))
                    current = status
    return changes


# --- Award criteria -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Criterion:
    name: str
    kind: str
    weight: Decimal


def criteria_problems(award_criteria: str, criteria: Iterable[Criterion]) -> Problems:
    """Price only and cost only need no weights; price and quality need named, weighted criteria
    with a price criterion, a quality criterion and weights that sum to exactly 100."""
    criteria = list(criteria)
    problems: Problems = []
    try:
        kind = AwardCriteria(award_criteria)
    except ValueError:
        return [Problem("award_criteria", gettext_noop("Choose price only, cost only, or price and quality."))]
    if kind is not AwardCriteria.RATED:
        if any(c.kind == CriterionKind.QUALITY for c in criteria):
            problems.append(
                Problem("criteria", gettext_noop("Quality criteria need the 'price and quality' award method."))
            )
        return problems
    if not criteria:
        return [Problem("criteria", gettext_noop("Name the award criteria and their weights."))]
    for index, criterion in enumerate(criteria):
        if not criterion.name.strip():
            problems.append(Problem(f"criteria.{index}.name", gettext_noop("Name the criterion.")))
        if criterion.weight <= 0 or criterion.weight > 100:
            problems.append(
                Problem(f"criteria.{index}.weight", gettext_noop("A weight is more than 0 and at most 100."))
            )
    names = [c.name.strip().casefold() for c in criteria]
    if len(set(names)) != len(names):
        problems.append(Problem("criteria", gettext_noop("Each criterion needs a different name.")))
    if not any(c.kind in {CriterionKind.PRICE, CriterionKind.COST} for c in criteria):
        problems.append(
            Problem("criteria", gettext_noop("Price and quality evaluation needs a price (or cost) criterion."))
        )
    if not any(c.kind == CriterionKind.QUALITY for c in criteria):
        problems.append(
            Problem("criteria", gettext_noop("Price and quality evaluation needs at least one quality criterion."))
        )
    total = sum((c.weight for c in criteria), Decimal(0))
    if total != 100:
        problems.append(
            Problem(
                "criteria",
                gettext_noop("The weights must add up to 100; they add up to %(total)s."),
                {"total": f"{total.normalize():f}"},
            )
        )
    return problems
