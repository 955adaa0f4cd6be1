"""Forms of the buyer's tender workspace: one per step of a draft, and the actions on a tender.

Forms check what a person typed (present, well formed); the services decide every rule. A step
form turns its values into its part of `TenderDetails` (`apply`), and puts a service's error on
the input it concerns: the services name fields like "lots.0.items.1.quantity" or
"tender_period_end", the inputs are "lots-0-items-1-quantity" and "tender_end".

Lots, items and criteria are plain numbered inputs (no formsets, no JavaScript): each existing row,
one empty row to add, and a "Remove" checkbox; empty new rows are ignored.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from procura.classifications.models import Scheme, Unit
from procura.core.errors import ProcuraError
from procura.core.forms import ProcuraForm
from procura.documents.models import DocumentType
from procura.planning.models import PlanLine
from procura.tenders.domain import AwardCriteria, PeriodName
from procura.tenders.models import AWARD_CRITERIA_LABELS, CATEGORY_LABELS, CRITERION_KIND_LABELS, PROCEDURE_LABELS
from procura.tenders.services import CriterionDetails, ItemDetails, LotDetails, TenderDetails

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

STEPS = ("basics", "lots", "criteria", "schedule", "documents")
STEP_TITLES: dict[str, StrOrPromise] = {
    "basics": _("The basics"),
    "lots": _("Lots and items"),
    "criteria": _("Award criteria"),
    "schedule": _("Dates and conditions"),
    "documents": _("Documents"),
}
AMENDABLE_STEPS = ("basics", "lots", "criteria", "schedule")

# The services name schedule problems after OCDS periods; the inputs are the stored dates.
PERIOD_FIELDS = {
    "qualification_period": "qualification_end",
    "qualification_period_end": "qualification_end",
    "enquiry_period": "enquiry_end",
    "enquiry_period_end": "enquiry_end",
    "tender_period": "tender_end",
    "tender_period_start": "tender_start",
    "tender_period_end": "tender_end",
    "award_period": "award_start",
    "award_period_start": "award_start",
    "award_period_end": "award_end",
    "contract_period": "contract_start",
    "contract_period_start": "contract_start",
    "contract_period_end": "contract_end",
}
BASICS_FIELDS = ("title", "description", "main_category", "procedure", "currency", "value_amount", "plan_line")
SCHEDULE_FIELDS = (
    "qualification_end",
    "enquiry_end",
    "tender_start",
    "tender_end",
    "bid_opening_at",
    "bid_opening_place",
    "award_start",
    "award_end",
    "contract_start",
    "contract_end",
    "procedure_justification",
    "sme_suitable",
    "eligibility_criteria",
    "selection_criteria",
)
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
RADIO_FIELDS = ("main_category", "procedure", "award_criteria")

# What each field is called on the pages (amendments list the fields they changed).
FIELD_LABELS: dict[str, StrOrPromise] = {
    "title": _("Title"),
    "description": _("Description"),
    "main_category": _("Main category"),
    "procedure": _("Procedure"),
    "currency": _("Currency"),
    "value_amount": _("Estimated value"),
    "plan_line": _("Plan line"),
    "lots": _("Lots and items"),
    "award_criteria": _("Award criteria"),
    "criteria": _("Award criteria and weights"),
    "two_envelopes": _("Two envelopes"),
    "qualification_end": _("Deadline for requests to participate"),
    "enquiry_end": _("Deadline for questions"),
    "tender_start": _("Bids open"),
    "tender_end": _("Deadline for bids"),
    "bid_opening_at": _("Bid opening"),
    "bid_opening_place": _("Bid opening place"),
    "award_start": _("Award period starts"),
    "award_end": _("Award period ends"),
    "contract_start": _("Contract starts"),
    "contract_end": _("Contract ends"),
    "procedure_justification": _("Justification for the procedure"),
    "sme_suitable": _("Suitable for small businesses"),
    "eligibility_criteria": _("Eligibility criteria"),
    "selection_criteria": _("Selection criteria"),
    "documents": _("Documents"),
}

PROCEDURE_HINTS: dict[str, StrOrPromise] = {
    "open": _("Any supplier may bid."),
    "restricted": _("Suppliers first ask to take part; only those admitted may bid."),
    "request_for_quotation": _("For smaller purchases: quotations from any supplier."),
    "negotiated": _("Only invited suppliers, without prior publication; needs a justification."),
    "direct": _("One supplier, without competition; needs a justification."),
}

_INDEXED = re.compile(r"^(lots|criteria)\.(\d+)(?:\.(.+))?$")
_ITEM = re.compile(r"^items\.(\d+)(?:\.(.+))?$")


def service_field(name: str) -> str:
    """The input a service's field name stands for, before any renumbering of rows."""
    name = PERIOD_FIELDS.get(name, name)
    return name.replace(".", "-")


def step_of(name: str) -> str:
    """The step of a draft where a service's field is entered."""
    if name in BASICS_FIELDS:
        return "basics"
    if name == "lots" or name.startswith("lots."):
        return "lots"
    if name in {"award_criteria", "criteria", "two_envelopes"} or name.startswith("criteria."):
        return "criteria"
    if name == "documents":
        return "documents"
    return "schedule"


def anchor_of(name: str) -> str:
    """The id on a step's page to link to for a service's field (rows numbered as stored)."""
    if name == "lots":
        return "lot-new"
    if name == "criteria":
        return "id_award_criteria_0"
    match = re.fullmatch(r"lots\.(\d+)\.items", name)
    if match:
        return f"lot-{match.group(1)}"
    field = service_field(name)
    return f"id_{field}_0" if field in RADIO_FIELDS else f"id_{field}"


class NeededMixin:
    """A value publication needs, so the label does not say "(optional)"; but a draft may lack it
    and an empty new row is ignored, so an empty value is left for the service to judge."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.required = True

    def validate(self, value: Any) -> None:
        if value in (None, "", [], (), {}):
            return
        super().validate(value)  # type: ignore[misc]


class NeededCharField(NeededMixin, forms.CharField):
    pass


class NeededChoiceField(NeededMixin, forms.ChoiceField):
    pass


class NeededDateTimeField(NeededMixin, forms.DateTimeField):
    pass


def _text(
    label: StrOrPromise,
    *,
    required: StrOrPromise | None = None,
    needed: bool = False,
    max_length: int = 300,
    **kw: Any,
) -> Any:
    kind = NeededCharField if needed else forms.CharField
    return kind(
        label=label,
        required=required is not None,
        max_length=max_length,
        error_messages={"required": required} if required else {},
        **kw,
    )


def _textarea(
    label: StrOrPromise, *, required: StrOrPromise | None = None, needed: bool = False, rows: int = 4, **kw: Any
) -> Any:
    kind = NeededCharField if needed else forms.CharField
    return kind(
        label=label,
        required=required is not None,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": required} if required else {},
        **kw,
    )


def _short(label: StrOrPromise, **kw: Any) -> Any:
    field = _text(label, **kw)
    field.widget.attrs.update({"class": "short", "inputmode": "decimal", "spellcheck": "false"})
    return field


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _when(label: StrOrPromise, time_zone: str, *, needed: bool = False) -> forms.DateTimeField:
    # Django reads and shows the value in the current time zone: the platform's (TIME_ZONE).
    kind = NeededDateTimeField if needed else forms.DateTimeField
    return kind(
        label=label,
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=_("Date and time in the %(zone)s time zone, such as 2026-04-30 12:00.") % {"zone": time_zone},
        error_messages={"invalid": _("Enter a date and time, such as 2026-04-30 12:00.")},
    )


def number_text(value: Any) -> str:
    """A stored number as a person would type it: 20000, not 2E+4 or 20000.0000."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _is_blank(values: Iterable[Any]) -> bool:
    return all(value in (None, "", False) for value in values)


class StepForm(ProcuraForm):
    """One step of a draft (or of an amendment, with its published rationale)."""

    def __init__(self, *args: Any, amend: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.amend = amend
        if amend:
            self.fields["rationale"] = _textarea(
                _("Rationale (published)"),
                required=_("Say why the tender is being changed."),
                help_text=_("Suppliers and the public see this with the change."),
            )

    def apply(self, details: TenderDetails) -> TenderDetails:
        raise NotImplementedError

    def input_for(self, name: str) -> str | None:
        """The input of this form a service's field name belongs to, or None."""
        field = service_field(name)
        return field if field in self.fields else None

    def attach(self, error: ProcuraError) -> None:
        """Put a service's messages by their inputs; the rest above the form."""
        for name, messages in error.fields.items():
            target = self.input_for(name)
            for message in messages:
                self.add_error(target, message)
        if not error.fields or not any(self.input_for(name) for name in error.fields):
            self.add_error(None, error.message)


# --- Step 1: the basics -----------------------------------------------------------------------------
class BasicsForm(StepForm):
    choice_hints = {"procedure": PROCEDURE_HINTS}

    title = _text(_("Title"), required=_("Enter a title."), help_text=_("Say what is being bought, in a few words."))
    description = _textarea(_("Description"), needed=True, help_text=_("What is being bought and why."))
    main_category = forms.ChoiceField(
        label=_("Main category"),
        choices=list(CATEGORY_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose goods, works or services.")},
    )
    procedure = forms.ChoiceField(
        label=_("Procedure"),
        choices=list(PROCEDURE_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a procedure.")},
    )
    currency = _short(
        _("Currency"),
        required=_("Enter a currency, such as EUR."),
        max_length=3,
        help_text=_("The three-letter ISO 4217 code, such as EUR or GBP."),
    )
    value_amount = _short(
        _("Estimated value"),
        max_length=40,
        help_text=_("Without tax, in the currency above, such as 125000.00."),
    )

    # Fixed once published: cancel and re-tender instead.
    FIXED = ("main_category", "procedure", "currency")

    def __init__(self, *args: Any, plan_lines: Sequence[PlanLine] = (), amend: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, amend=amend, **kwargs)
        self.plan_lines = {str(line.pk): line for line in plan_lines}
        if amend:
            for name in self.FIXED:
                del self.fields[name]
        elif self.plan_lines or self.initial.get("plan_line"):
            self.fields["plan_line"] = forms.ChoiceField(
                label=_("Line of the procurement plan"),
                required=False,
                choices=[("", _("Not linked to a plan line"))]
                + [(key, f"{line.title} — {line.ocid}") for key, line in self.plan_lines.items()],
                help_text=_(
                    "Above the spend-control threshold a tender needs an approved business case on its plan line. "
                    "Linked, the tender takes the line's open contracting id."
                ),
            )

    @classmethod
    def initial_from(cls, details: TenderDetails, plan_line: PlanLine | None = None) -> dict[str, Any]:
        return {
            "title": details.title,
            "description": details.description,
            "main_category": details.main_category,
            "procedure": details.procedure,
            "currency": details.currency,
            "value_amount": number_text(details.value_amount),
            "plan_line": str(plan_line.pk) if plan_line else "",
        }

    def selected_plan_line(self) -> PlanLine | None:
        return self.plan_lines.get(self.cleaned_data.get("plan_line") or "")

    def apply(self, details: TenderDetails) -> TenderDetails:
        data = self.cleaned_data
        values = {"title": data["title"], "description": data["description"], "value_amount": data["value_amount"]}
        if not self.amend:
            values |= {name: data[name] for name in self.FIXED}
        return dataclasses.replace(details, **values)

    def new_details(self) -> TenderDetails:
        data = self.cleaned_data
        return TenderDetails(
            title=data["title"],
            description=data["description"],
            main_category=data["main_category"],
            procedure=data["procedure"],
            currency=data["currency"],
            value_amount=data["value_amount"],
        )


# --- Step 2: lots and their items -----------------------------------------------------------------
LOT_PARTS = ("title", "description", "value_amount")
SCHEME_CHOICES = [(Scheme.CPV.value, "CPV"), (Scheme.UNSPSC.value, "UNSPSC")]
ITEM_PARTS = ("description", "classification_scheme", "classification_code", "quantity", "unit_code")


@dataclass
class ItemRow:
    index: int
    is_new: bool
    fields: dict[str, forms.BoundField]


@dataclass
class LotRow:
    index: int
    is_new: bool
    title_text: str
    fields: dict[str, forms.BoundField]
    items: list[ItemRow]


class LotsForm(StepForm):
    """Every lot with its items, editable, one empty item row per lot and one empty lot."""

    def __init__(
        self,
        *args: Any,
        lots: Sequence[LotDetails],
        units: Sequence[Unit],
        amend: bool = False,
        **kwargs: Any,
    ) -> None:
        initial: dict[str, Any] = {}
        self.lot_sizes = [len(lot.items) for lot in lots]
        self.lot_titles = [lot.title for lot in lots]
        for li, lot in enumerate(lots):
            initial |= {
                f"lots-{li}-local_id": lot.local_id,
                f"lots-{li}-title": lot.title,
                f"lots-{li}-description": lot.description,
                f"lots-{li}-value_amount": number_text(lot.value_amount),
            }
            for ii, item in enumerate(lot.items):
                prefix = f"lots-{li}-items-{ii}"
                initial |= {
                    f"{prefix}-local_id": item.local_id,
                    f"{prefix}-description": item.description,
                    f"{prefix}-classification_scheme": item.classification_scheme,
                    f"{prefix}-classification_code": item.classification_code,
                    f"{prefix}-quantity": number_text(item.quantity),
                    f"{prefix}-unit_code": item.unit_code,
                }
        super().__init__(*args, initial=initial, amend=amend, **kwargs)
        self.unit_choices = [("", _("Choose a unit")), *((u.code, f"{u.name} ({u.code})") for u in units)]
        rationale = self.fields.pop("rationale", None)
        for li in range(len(lots) + 1):
            self._lot_fields(li, is_new=li == len(lots))
            size = self.lot_sizes[li] if li < len(lots) else 0
            for ii in range(size + 1):
                self._item_fields(li, ii, is_new=ii == size)
        if rationale is not None:
            self.fields["rationale"] = rationale
        self.index_map: list[tuple[int, list[int]]] = []

    def _lot_fields(self, li: int, *, is_new: bool) -> None:
        prefix = f"lots-{li}"
        self.fields[f"{prefix}-local_id"] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.fields[f"{prefix}-title"] = _text(_("Lot title"), needed=True)
        self.fields[f"{prefix}-description"] = _textarea(_("Lot description"), rows=2)
        self.fields[f"{prefix}-value_amount"] = _short(_("Estimated value of the lot"), max_length=40)
        if not is_new:
            self.fields[f"{prefix}-remove"] = forms.BooleanField(
                label=_("Remove this lot and its items"), required=False
            )

    def _item_fields(self, li: int, ii: int, *, is_new: bool) -> None:
        prefix = f"lots-{li}-items-{ii}"
        self.fields[f"{prefix}-local_id"] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.fields[f"{prefix}-description"] = _text(_("Item description"), needed=True, max_length=2000)
        self.fields[f"{prefix}-classification_scheme"] = NeededChoiceField(
            label=_("Classification scheme"), choices=SCHEME_CHOICES, initial=Scheme.CPV
        )
        self.fields[f"{prefix}-classification_code"] = _short(
            _("Classification code"), needed=True, max_length=32, help_text=_("Such as 33141000-0.")
        )
        self.fields[f"{prefix}-classification_code"].widget.attrs["inputmode"] = "text"
        self.fields[f"{prefix}-quantity"] = _short(
            _("Quantity"), needed=True, max_length=40, help_text=_("Such as 12 or 2.5.")
        )
        self.fields[f"{prefix}-unit_code"] = NeededChoiceField(label=_("Unit"), choices=self.unit_choices)
        if not is_new:
            self.fields[f"{prefix}-remove"] = forms.BooleanField(label=_("Remove this item"), required=False)

    def rows(self) -> list[LotRow]:
        """The inputs grouped by lot and item, for the template."""
        lots: list[LotRow] = []
        count = len(self.lot_sizes)
        for li in range(count + 1):
            size = self.lot_sizes[li] if li < count else 0
            items = [
                ItemRow(
                    index=ii,
                    is_new=ii == size,
                    fields={
                        part: self[f"lots-{li}-items-{ii}-{part}"]
                        for part in ("local_id", *ITEM_PARTS, "remove")
                        if f"lots-{li}-items-{ii}-{part}" in self.fields
                    },
                )
                for ii in range(size + 1)
            ]
            lots.append(
                LotRow(
                    index=li,
                    is_new=li == count,
                    title_text=self.lot_titles[li] if li < count else "",
                    fields={
                        part: self[f"lots-{li}-{part}"]
                        for part in ("local_id", *LOT_PARTS, "remove")
                        if f"lots-{li}-{part}" in self.fields
                    },
                    items=items,
                )
            )
        return lots

    def _value(self, name: str) -> Any:
        return self.cleaned_data.get(name)

    def apply(self, details: TenderDetails) -> TenderDetails:
        lots: list[LotDetails] = []
        self.index_map = []
        count = len(self.lot_sizes)
        for li in range(count + 1):
            prefix = f"lots-{li}"
            if self._value(f"{prefix}-remove"):
                continue
            size = self.lot_sizes[li] if li < count else 0
            items: list[ItemDetails] = []
            item_indexes: list[int] = []
            for ii in range(size + 1):
                item_prefix = f"{prefix}-items-{ii}"
                if self._value(f"{item_prefix}-remove"):
                    continue
                typed = [self._value(f"{item_prefix}-{part}") for part in ITEM_PARTS if part != "classification_scheme"]
                if ii == size and _is_blank(typed):
                    continue
                items.append(
                    ItemDetails(
                        local_id=self._value(f"{item_prefix}-local_id") or "",
                        description=self._value(f"{item_prefix}-description") or "",
                        classification_scheme=self._value(f"{item_prefix}-classification_scheme") or Scheme.CPV,
                        classification_code=self._value(f"{item_prefix}-classification_code") or "",
                        quantity=self._value(f"{item_prefix}-quantity") or "",
                        unit_code=self._value(f"{item_prefix}-unit_code") or "",
                    )
                )
                item_indexes.append(ii)
            typed_lot = [self._value(f"{prefix}-{part}") for part in LOT_PARTS]
            if li == count and _is_blank(typed_lot) and not items:
                continue
            lots.append(
                LotDetails(
                    local_id=self._value(f"{prefix}-local_id") or "",
                    title=self._value(f"{prefix}-title") or "",
                    description=self._value(f"{prefix}-description") or "",
                    value_amount=self._value(f"{prefix}-value_amount") or None,
                    items=tuple(items),
                )
            )
            self.index_map.append((li, item_indexes))
        return dataclasses.replace(details, lots=tuple(lots))

    def input_for(self, name: str) -> str | None:
        if name == "lots":
            return f"lots-{len(self.lot_sizes)}-title"
        match = _INDEXED.match(name)
        if not match or match.group(1) != "lots":
            return super().input_for(name)
        sent = int(match.group(2))
        if sent >= len(self.index_map):
            return None
        li, item_indexes = self.index_map[sent]
        rest = match.group(3) or "title"
        if rest == "items":  # the lot has no item: the empty item row is where one goes
            size = self.lot_sizes[li] if li < len(self.lot_sizes) else 0
            return f"lots-{li}-items-{size}-description"
        item = _ITEM.match(rest)
        if item:
            position = int(item.group(1))
            if position >= len(item_indexes):
                return None
            rest = f"items-{item_indexes[position]}-{item.group(2) or 'description'}"
        target = f"lots-{li}-{rest}"
        return target if target in self.fields else None


# --- Step 3: award criteria -------------------------------------------------------------------------
CRITERION_PARTS = ("name", "kind", "weight")


class CriteriaForm(StepForm):
    award_criteria = forms.ChoiceField(
        label=_("How bids are compared"),
        choices=list(AWARD_CRITERIA_LABELS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how bids are compared.")},
    )
    choice_hints = {
        "award_criteria": {
            AwardCriteria.PRICE_ONLY: _("The lowest compliant price wins."),
            AwardCriteria.COST_ONLY: _("The lowest whole-life cost wins."),
            AwardCriteria.RATED: _(
                "Named criteria with weights that add up to 100; at least one price and one quality."
            ),
        }
    }

    def __init__(
        self,
        *args: Any,
        award_criteria: str,
        criteria: Sequence[CriterionDetails],
        two_envelopes: bool = False,
        **kwargs: Any,
    ) -> None:
        initial: dict[str, Any] = {"award_criteria": award_criteria, "two_envelopes": two_envelopes}
        for ci, criterion in enumerate(criteria):
            initial |= {
                f"criteria-{ci}-name": criterion.name,
                f"criteria-{ci}-kind": criterion.kind,
                f"criteria-{ci}-weight": number_text(criterion.weight),
                f"criteria-{ci}-description": criterion.description,
            }
        super().__init__(*args, initial=initial, **kwargs)
        rationale = self.fields.pop("rationale", None)
        self.existing = len(criteria)
        self.row_count = self.existing + max(2, 3 - self.existing)
        kinds = [("", _("Choose")), *CRITERION_KIND_LABELS.items()]
        for ci in range(self.row_count):
            prefix = f"criteria-{ci}"
            self.fields[f"{prefix}-name"] = _text(_("Criterion"), needed=True, max_length=200)
            self.fields[f"{prefix}-kind"] = NeededChoiceField(label=_("Kind"), choices=kinds)
            self.fields[f"{prefix}-weight"] = _short(_("Weight (%)"), needed=True, max_length=20)
            self.fields[f"{prefix}-description"] = forms.CharField(required=False, widget=forms.HiddenInput)
            if ci < self.existing:
                self.fields[f"{prefix}-remove"] = forms.BooleanField(label=_("Remove"), required=False)
        self.fields["two_envelopes"] = forms.BooleanField(
            label=_("Two envelopes: prices are opened only for technically qualified bids"),
            help_text=_(
                "Only for price and quality. At the opening everything but the prices is read; the "
                "evaluation panel opens the prices of the bids it finds technically qualified."
            ),
            required=False,
        )
        if rationale is not None:
            self.fields["rationale"] = rationale
        self.index_map: list[int] = []

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "index": ci,
                "is_new": ci >= self.existing,
                "fields": {
                    part: self[f"criteria-{ci}-{part}"]
                    for part in (*CRITERION_PARTS, "description", "remove")
                    if f"criteria-{ci}-{part}" in self.fields
                },
            }
            for ci in range(self.row_count)
        ]

    def apply(self, details: TenderDetails) -> TenderDetails:
        data = self.cleaned_data
        criteria: list[CriterionDetails] = []
        self.index_map = []
        if data["award_criteria"] == AwardCriteria.RATED:
            for ci in range(self.row_count):
                prefix = f"criteria-{ci}"
                if data.get(f"{prefix}-remove"):
                    continue
                typed = [data.get(f"{prefix}-{part}") for part in CRITERION_PARTS]
                if _is_blank(typed):
                    continue
                criteria.append(
                    CriterionDetails(
                        name=data.get(f"{prefix}-name") or "",
                        kind=data.get(f"{prefix}-kind") or "",
                        weight=data.get(f"{prefix}-weight") or "",
                        description=data.get(f"{prefix}-description") or "",
                    )
                )
                self.index_map.append(ci)
        return dataclasses.replace(
            details,
            award_criteria=data["award_criteria"],
            criteria=tuple(criteria),
            two_envelopes=bool(data.get("two_envelopes")),
        )

    def input_for(self, name: str) -> str | None:
        if name == "criteria":
            return "award_criteria"
        match = _INDEXED.match(name)
        if not match or match.group(1) != "criteria":
            return super().input_for(name)
        sent = int(match.group(2))
        if sent >= len(self.index_map):
            return "award_criteria"
        target = f"criteria-{self.index_map[sent]}-{match.group(3) or 'name'}"
        return target if target in self.fields else "award_criteria"


# --- Step 4: dates and conditions -------------------------------------------------------------------
class ScheduleForm(StepForm):
    """The dates the tender's procedure has, and the conditions of participation."""

    def __init__(
        self, *args: Any, procedure_rules: dict[str, Any], time_zone: str, amend: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, amend=amend, **kwargs)
        rationale = self.fields.pop("rationale", None)
        periods = set(procedure_rules.get("periods", ()))
        fields = self.fields
        if PeriodName.QUALIFICATION in periods:
            fields["qualification_end"] = _when(_("Deadline for requests to participate"), time_zone, needed=True)
        if PeriodName.ENQUIRY in periods:
            fields["enquiry_end"] = _when(_("Deadline for questions"), time_zone, needed=True)
        if PeriodName.TENDER in periods:
            if PeriodName.QUALIFICATION in periods:
                fields["tender_start"] = _when(_("Bids open (after the qualification stage)"), time_zone, needed=True)
            fields["tender_end"] = _when(_("Deadline for bids"), time_zone, needed=True)
            if procedure_rules.get("public_opening", True):
                fields["bid_opening_at"] = _when(_("Bid opening: time"), time_zone, needed=True)
                fields["bid_opening_place"] = _text(
                    _("Bid opening: place"), help_text=_("Where the public opening happens, or online.")
                )
        fields["award_start"] = _when(_("Award period starts"), time_zone)
        fields["award_end"] = _when(_("Award period ends"), time_zone)
        fields["contract_start"] = _when(_("Contract starts"), time_zone)
        fields["contract_end"] = _when(_("Contract ends"), time_zone)
        if procedure_rules.get("justification_required"):
            fields["procedure_justification"] = _textarea(
                _("Justification for the procedure"),
                needed=True,
                help_text=_("Why this procedure is used instead of an open one. Published."),
            )
        fields["sme_suitable"] = forms.BooleanField(label=_("Suitable for small businesses"), required=False)
        fields["eligibility_criteria"] = _textarea(
            _("Eligibility criteria"), help_text=_("Who may take part, such as registration or licences.")
        )
        fields["selection_criteria"] = _textarea(
            _("Selection criteria"), help_text=_("The capacity a supplier must show, such as turnover or experience.")
        )
        if rationale is not None:
            fields["rationale"] = rationale
        self.date_fields = [name for name in DATE_FIELDS if name in fields]

    @classmethod
    def initial_from(cls, details: TenderDetails) -> dict[str, Any]:
        return {name: getattr(details, name) for name in SCHEDULE_FIELDS}

    def apply(self, details: TenderDetails) -> TenderDetails:
        data = self.cleaned_data
        # Dates the procedure does not have are cleared: left from another procedure, they would
        # block publication without an input to correct them.
        values: dict[str, Any] = {name: data.get(name) for name in DATE_FIELDS}
        values["bid_opening_place"] = data.get("bid_opening_place", "") or ""
        for name in ("procedure_justification",):
            if name in self.fields:
                values[name] = data[name]
        for name in ("sme_suitable", "eligibility_criteria", "selection_criteria"):
            values[name] = data[name]
        return dataclasses.replace(details, **values)


# --- Step 5: documents, and the actions on a tender ----------------------------------------------------
TENDER_DOCUMENT_TYPES = (
    DocumentType.TENDER_NOTICE,
    DocumentType.BIDDING_DOCUMENTS,
    DocumentType.TECHNICAL_SPECIFICATIONS,
    DocumentType.EVALUATION_CRITERIA,
    DocumentType.ELIGIBILITY_CRITERIA,
    DocumentType.CONTRACT_DRAFT,
    DocumentType.BILL_OF_QUANTITY,
    DocumentType.OTHER,
)


class DocumentForm(ProcuraForm):
    title = _text(_("Title of the document"), required=_("Enter the document's title."), max_length=250)
    document_type = forms.ChoiceField(
        label=_("Type of document"),
        choices=[(kind.value, kind.label) for kind in TENDER_DOCUMENT_TYPES],
        error_messages={"required": _("Choose the type of document.")},
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, office documents, spreadsheets, images or archives."),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty."),
            "invalid": _("Choose a file to upload."),
        },
    )

    def attach(self, error: ProcuraError) -> None:
        for name, messages in error.fields.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not error.fields:
            self.add_error(None, error.message)


class _ActionForm(ProcuraForm):
    def attach(self, error: ProcuraError) -> None:
        for name, messages in error.fields.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not error.fields or not any(name in self.fields for name in error.fields):
            self.add_error(None, error.message)


class PublishForm(_ActionForm):
    confirm = forms.BooleanField(
        label=_("I confirm this notice is ready to publish"),
        error_messages={"required": _("Confirm that the notice is ready to publish.")},
    )


class AnswerForm(_ActionForm):
    answer = _textarea(
        _("Answer (published with the question)"),
        required=_("Write the answer."),
        help_text=_("Every supplier and the public see the question and your answer, never who asked."),
    )


class CancelForm(_ActionForm):
    reason = _textarea(
        _("Reason for cancelling (published)"),
        required=_("Give the reason for cancelling: it is published."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that cancelling is final"),
        error_messages={"required": _("Confirm that you want to cancel the tender.")},
    )


class UnsuccessfulForm(_ActionForm):
    reason = _textarea(
        _("Reason (published)"),
        required=_("Say why the tender failed: it is published."),
    )
