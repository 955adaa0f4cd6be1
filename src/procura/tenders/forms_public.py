"""Forms of the public tender portal: finding opportunities and asking a question.

They check what a person typed and name the field when it is not right; the search and the
services stay the authority on every rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from procura.accounts.models import Organisation
from procura.core.forms import ProcuraForm
from procura.tenders.domain import Procedure, TenderStatus
from procura.tenders.models import PROCEDURE_LABELS, STATUS_LABELS, Lot
from procura.tenders.search import TenderFilters

CPV_CODE = re.compile(r"^(\d{8})(?:-(\d))?$")
MAX_AMOUNT = 10**17


def _amount(label: Any, hint: Any, invalid: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=hint,
        required=False,
        min_value=0,
        max_value=MAX_AMOUNT,
        max_digits=20,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "short"}),
        error_messages={
            "invalid": invalid,
            "min_value": invalid,
            "max_value": invalid,
            "max_digits": invalid,
            "max_decimal_places": invalid,
            "max_whole_digits": invalid,
        },
    )


def _date(label: Any, invalid: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": invalid},
    )


class TenderSearchForm(ProcuraForm):
    """The opportunities list's search box and filters (GET). Every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        help_text=_("Words from the title, description, items or buyer, such as “gloves” or “road repair”."),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        error_messages={"max_length": _("Search for at most 200 characters.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        error_messages={"invalid_choice": _("Choose a status from the list.")},
    )
    classification = forms.CharField(
        label=_("Classification (CPV code)"),
        help_text=_("Finds the code and every code under it: 33100000-1 finds all medical equipment."),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"class": "short", "inputmode": "numeric"}),
        error_messages={"max_length": _("Enter a CPV code such as 33100000-1.")},
    )
    buyer = forms.ChoiceField(
        label=_("Buyer"),
        required=False,
        error_messages={"invalid_choice": _("Choose a buyer from the list.")},
    )
    procedure = forms.ChoiceField(
        label=_("Procedure"),
        required=False,
        error_messages={"invalid_choice": _("Choose a procedure from the list.")},
    )
    value_min = _amount(
        _("Lowest estimated value"),
        _("An amount such as 50000."),
        _("Enter the lowest estimated value as an amount such as 50000."),
    )
    value_max = _amount(
        _("Highest estimated value"),
        _("An amount such as 250000."),
        _("Enter the highest estimated value as an amount such as 250000."),
    )
    closing_after = _date(
        _("Bids close on or after"), _("Enter the earliest closing date as a date, such as 2026-04-30.")
    )
    closing_before = _date(
        _("Bids close on or before"), _("Enter the latest closing date as a date, such as 2026-05-31.")
    )
    sme_suitable = forms.BooleanField(label=_("Only tenders suitable for small businesses"), required=False)

    def __init__(self, data: Any = None, *, buyers: Sequence[Organisation] = ()) -> None:
        super().__init__(data)
        self.fields["status"].choices = [("", _("Any status"))] + [  # type: ignore[attr-defined]
            (status.value, STATUS_LABELS[status]) for status in TenderStatus if status != TenderStatus.DRAFT
        ]
        self.fields["procedure"].choices = [("", _("Any procedure"))] + [  # type: ignore[attr-defined]
            (procedure.value, PROCEDURE_LABELS[procedure]) for procedure in Procedure
        ]
        self.fields["buyer"].choices = [("", _("Any buyer"))] + [  # type: ignore[attr-defined]
            (str(buyer.pk), buyer.legal_name) for buyer in buyers
        ]

    def clean_classification(self) -> str:
        code = self.cleaned_data["classification"].strip()
        if not code:
            return ""
        match = CPV_CODE.match(code)
        if match is None:
            raise forms.ValidationError(_("Enter the classification as a CPV code such as 33100000-1."))
        # The check digit plays no part in the hierarchy: 33100000 means the same as 33100000-1.
        return f"{match.group(1)}-{match.group(2) or '0'}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("value_min"), cleaned.get("value_max")
        if low is not None and high is not None and low > high:
            self.add_error("value_max", _("The highest estimated value must not be below the lowest."))
        after, before = cleaned.get("closing_after"), cleaned.get("closing_before")
        if after is not None and before is not None and after > before:
            self.add_error("closing_before", _("The latest closing date must not be before the earliest."))
        return cleaned

    def filters(self) -> TenderFilters:
        """The search for a valid form."""
        data = self.cleaned_data
        return TenderFilters(
            text=data["q"].strip(),
            status=data["status"],
            classification=data["classification"],
            buyer=data["buyer"],
            procedure=data["procedure"],
            value_min=data["value_min"],
            value_max=data["value_max"],
            closing_after=data["closing_after"],
            closing_before=data["closing_before"],
            sme_suitable=True if data["sme_suitable"] else None,
        )

    def query(self) -> dict[str, str]:
        """The filters as typed (for links to other pages, the CSV and the feed), empty ones left out."""
        if not self.is_bound:
            return {}
        values = {name: str(self.data.get(name, "")).strip() for name in self.fields}
        if values["sme_suitable"]:
            values["sme_suitable"] = "on"
        return {name: value for name, value in values.items() if value}

    def query_string(self, **extra: str) -> str:
        return urlencode({**self.query(), **extra})


class QuestionForm(ProcuraForm):
    """A supplier's question about a tender. The asker is never published."""

    question = forms.CharField(
        label=_("Your question"),
        help_text=_(
            "The question and its answer are published on the tender's page for every supplier to see; "
            "who asked is never published."
        ),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Write your question."),
            "max_length": _("A question can be at most 5,000 characters."),
        },
    )
    lot = forms.ChoiceField(
        label=_("Lot the question is about"),
        required=False,
        error_messages={"invalid_choice": _("Choose a lot of this tender.")},
    )
    supplier = forms.ChoiceField(
        label=_("Ask for"),
        help_text=_("The supplier you are asking for. Only that supplier sees who asked."),
        error_messages={
            "required": _("Choose the supplier you are asking for."),
            "invalid_choice": _("Choose one of your suppliers."),
        },
    )

    def __init__(
        self,
        data: Any = None,
        *,
        lots: Sequence[Lot],
        suppliers: Sequence[Organisation],
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self._lots = {str(lot.pk): lot for lot in lots}
        self._suppliers = {str(supplier.pk): supplier for supplier in suppliers}
        if len(lots) > 1:
            self.fields["lot"].choices = [("", _("The whole tender"))] + [  # type: ignore[attr-defined]
                (str(lot.pk), lot.title) for lot in lots
            ]
        else:
            del self.fields["lot"]
        if len(suppliers) > 1:
            self.fields["supplier"].choices = [("", _("Choose a supplier"))] + [  # type: ignore[attr-defined]
                (key, supplier.legal_name) for key, supplier in self._suppliers.items()
            ]
        else:
            del self.fields["supplier"]

    def chosen_lot(self) -> Lot | None:
        return self._lots.get(self.cleaned_data.get("lot") or "")

    def chosen_supplier(self) -> Organisation:
        if "supplier" in self.fields:
            return self._suppliers[self.cleaned_data["supplier"]]
        return next(iter(self._suppliers.values()))
