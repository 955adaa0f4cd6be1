"""Forms of the planning pages. They check what a person typed; the services decide the rules
(views call them through `procura.core.forms.call_service`)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from procura.classifications.models import Scheme
from procura.core.errors import InvalidInput
from procura.core.forms import ProcuraForm
from procura.documents.models import DocumentType
from procura.planning.models import MainCategory, PlannedProcedure
from procura.planning.services import BUSINESS_CASE_DOCUMENT_TYPES, PlanLineDetails
from procura.planning.services.plans import BUDGET_REFERENCE_LIMIT, BUDGET_SOURCE_LIMIT, MAX_LOTS, TITLE_LIMIT

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LOT_FIELD = re.compile(r"^lot_(\d+)_(title|value)$")
EMPTY_LOT_ROWS = 2
AMOUNT_INPUT = {"inputmode": "decimal", "spellcheck": "false"}


def _text(
    label: StrOrPromise, *, required: StrOrPromise | None = None, max_length: int = 300, **kw: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required is not None,
        max_length=max_length,
        error_messages={"required": required} if required else {},
        **kw,
    )


def _long_text(label: StrOrPromise, *, required: StrOrPromise | None = None, **kw: Any) -> forms.CharField:
    return _text(label, required=required, max_length=20_000, widget=forms.Textarea(attrs={"rows": 5}), **kw)


def _amount(label: StrOrPromise, *, required: StrOrPromise | None = None, **kw: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required is not None,
        widget=forms.TextInput(attrs=AMOUNT_INPUT),
        error_messages={
            **({"required": required} if required else {}),
            "invalid": _("Enter the amount as a number, like 125000.00, without spaces or commas."),
        },
        **kw,
    )


def _currency() -> forms.CharField:
    return _text(
        _("Currency"),
        required=_("Enter the currency."),
        max_length=3,
        help_text=_("The three-letter ISO 4217 code, such as EUR, GBP or USD."),
        widget=forms.TextInput(attrs={"class": "short", "autocomplete": "off", "spellcheck": "false"}),
    )


def _service_errors_to_form(form: forms.Form, error: InvalidInput, field_for: dict[str, str] | None = None) -> None:
    """The service's own checks, reported on the form's fields, unless a field already has an error."""
    for name, messages in error.fields.items():
        target = (field_for or {}).get(name, name)
        if target in form.fields and not form.has_error(target):
            for message in messages:
                form.add_error(target, message)


class PlanFilterForm(ProcuraForm):
    buyer = forms.ChoiceField(label=_("Buyer"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, buyers: list[tuple[str, str]], years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        buyer = self.fields["buyer"]
        year = self.fields["year"]
        assert isinstance(buyer, forms.ChoiceField)
        assert isinstance(year, forms.ChoiceField)
        buyer.choices = [("", _("All buyers")), *buyers]
        year.choices = [("", _("All years")), *((str(y), str(y)) for y in years)]


class PlanForm(ProcuraForm):
    year = forms.IntegerField(
        label=_("Financial year"),
        help_text=_("For example 2027."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "short"}),
        error_messages={
            "required": _("Enter the financial year."),
            "invalid": _("Enter the year as four digits, like 2027."),
        },
    )
    title = _text(_("Title"), required=_("Enter a title for the plan."), max_length=TITLE_LIMIT)
    description = _long_text(_("Description"))


class PlanEditForm(PlanForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["year"]  # a plan stays in its year


class PlanLineForm(ProcuraForm):
    """A plan line; its lots are rows of title and value ("lot_1_title", "lot_1_value"...),
    with a few empty rows to add more, since the pages work without JavaScript."""

    title = _text(
        _("Title"),
        required=_("Enter a title for the line."),
        max_length=TITLE_LIMIT,
        help_text=_("What you intend to buy, for example Laboratory consumables."),
    )
    description = _long_text(_("Description"))
    main_category = forms.ChoiceField(
        label=_("Main category"),
        choices=MainCategory.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose goods, works or services."),
            "invalid_choice": _("Choose goods, works or services."),
        },
    )
    classification_scheme = forms.ChoiceField(
        label=_("Classification scheme"),
        choices=Scheme.choices,
        initial=Scheme.CPV,
        error_messages={
            "required": _("Choose a classification scheme."),
            "invalid_choice": _("Choose a classification scheme."),
        },
    )
    classification_code = _text(
        _("Classification code"),
        required=_("Enter the classification code of what you will buy."),
        max_length=32,
        help_text=_("For example 33140000-3 in CPV, or 42140000 in UNSPSC."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    estimated_amount = _amount(_("Estimated value"), required=_("Enter the estimated value."))
    currency = _currency()
    budget_source = _text(
        _("Budget source"),
        required=_("Enter where the money comes from."),
        max_length=BUDGET_SOURCE_LIMIT,
        help_text=_("The budget or programme that pays, for example Health capital programme 2027."),
    )
    budget_reference = _text(_("Budget line reference"), max_length=BUDGET_REFERENCE_LIMIT)
    planned_tender_date = forms.DateField(
        label=_("Planned tender date"),
        help_text=_("When you plan to publish the tender, for example 2027-03-31."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the planned tender date."),
            "invalid": _("Enter the date as year-month-day, like 2027-03-31."),
        },
    )
    procedure = forms.ChoiceField(
        label=_("Intended procedure"),
        choices=PlannedProcedure.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the intended procedure."),
            "invalid_choice": _("Choose one of the procedures offered."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        initial_lots = self.initial.get("lots") or []
        highest = len(initial_lots) + EMPTY_LOT_ROWS
        for key in self.data or {}:
            match = LOT_FIELD.match(str(key))
            if match:
                highest = max(highest, int(match.group(1)))
        self.lot_row_count = min(highest, MAX_LOTS + EMPTY_LOT_ROWS)
        for row in range(1, self.lot_row_count + 1):
            self.fields[f"lot_{row}_title"] = _text(_("Lot %(number)d title") % {"number": row}, max_length=TITLE_LIMIT)
            self.fields[f"lot_{row}_value"] = _amount(_("Lot %(number)d value") % {"number": row})
        for row, lot in enumerate(initial_lots, start=1):
            self.initial[f"lot_{row}_title"] = lot.get("title", "")
            self.initial[f"lot_{row}_value"] = lot.get("value", "")
        self._lot_rows: list[int] = []

    def lot_fields(self) -> list[tuple[BoundField, BoundField]]:
        return [(self[f"lot_{row}_title"], self[f"lot_{row}_value"]) for row in range(1, self.lot_row_count + 1)]

    def _lots(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        lots: list[dict[str, Any]] = []
        self._lot_rows = []
        for row in range(1, self.lot_row_count + 1):
            title = data.get(f"lot_{row}_title") or ""
            value: Decimal | None = data.get(f"lot_{row}_value")
            if title or value is not None or self.has_error(f"lot_{row}_value"):
                lots.append({"title": title, "value": value})
                self._lot_rows.append(row)
        return lots

    def details(self) -> PlanLineDetails:
        data = self.cleaned_data
        return PlanLineDetails(
            title=data.get("title") or "",
            description=data.get("description") or "",
            main_category=data.get("main_category") or "",
            classification_scheme=data.get("classification_scheme") or "",
            classification_code=data.get("classification_code") or "",
            estimated_amount=data.get("estimated_amount"),
            currency=data.get("currency") or "",
            budget_source=data.get("budget_source") or "",
            budget_reference=data.get("budget_reference") or "",
            planned_tender_date=data.get("planned_tender_date"),
            procedure=data.get("procedure") or "",
            lots=self._lots(),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The service's own checks, so every problem is reported at once, on its field.
        try:
            self.details().clean()
        except InvalidInput as exc:
            field_for = {"lots": "lot_1_title"}
            for index, row in enumerate(self._lot_rows):
                field_for[f"lots.{index}"] = f"lot_{row}_title"
                field_for[f"lots.{index}.title"] = f"lot_{row}_title"
                field_for[f"lots.{index}.value"] = f"lot_{row}_value"
            _service_errors_to_form(self, exc, field_for)
        return cleaned


class BusinessCaseForm(ProcuraForm):
    need = _long_text(
        _("The need"),
        required=_("Say what the need is and why it must be met."),
        help_text=_("What problem the purchase solves, for whom, and what happens if it is not met."),
    )
    estimated_amount = _amount(
        _("Value to approve"),
        required=_("Enter the value you ask approval for."),
        help_text=_("The most you expect to spend, in the plan line's currency."),
    )
    currency = _currency()
    options_considered = _long_text(
        _("Options considered"),
        required=_("Describe the options considered, including doing nothing."),
        help_text=_("Including doing nothing, and why the chosen option is best value."),
    )


class DecisionForm(ProcuraForm):
    """The approver's decision: the button pressed ("approve" or "reject") and the reasons."""

    reasons = _long_text(
        _("Reasons"),
        help_text=_("Required to reject. The procurement officer and auditors see them."),
    )
    decision = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("decision") not in {"approve", "reject"}:
            self.add_error(None, _("Choose to approve or to reject the business case."))
        return cleaned


class ThresholdForm(ProcuraForm):
    amount = _amount(
        _("Threshold"),
        required=_("Enter the threshold."),
        help_text=_("Plan lines with a higher estimated value need an approved business case."),
    )
    currency = _currency()


class BusinessCaseDocumentForm(ProcuraForm):
    title = _text(_("Document title"), required=_("Enter the document's title."), max_length=250)
    document_type = forms.ChoiceField(
        label=_("Type of document"),
        choices=[(t.value, t.label) for t in BUSINESS_CASE_DOCUMENT_TYPES],
        initial=DocumentType.NEEDS_ASSESSMENT,
        error_messages={
            "required": _("Choose the type of document."),
            "invalid_choice": _("Choose the type of document."),
        },
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, an office document, a spreadsheet, CSV, text or an image."),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty."),
            "invalid": _("Choose a file to upload."),
        },
    )
