"""Forms of the supplier register pages. They check what a person typed; the services decide the
rules (views call them through `procura.core.forms.call_service`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from procura.accounts.forms import country_choices
from procura.core.forms import ProcuraForm
from procura.suppliers.models import QualificationKind
from procura.suppliers.services.owners import ADDRESS_LIMIT, NAME_LIMIT
from procura.suppliers.services.qualifications import TITLE_LIMIT

YES, NO = "yes", "no"


def _date(label: Any, help_text: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        # Only year-month-day: 1/2/80 means different days in different countries.
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as year-month-day, like 2027-03-31.")},
    )


class BeneficialOwnerForm(ProcuraForm):
    name = forms.CharField(
        label=_("Full name"),
        max_length=NAME_LIMIT,
        error_messages={"required": _("Enter the owner's full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"),
        error_messages={
            "required": _("Choose the owner's nationality."),
            "invalid_choice": _("Choose the owner's nationality."),
        },
    )
    share = forms.DecimalField(
        label=_("Share (%)"),
        help_text=_("The percentage of the business the person owns or controls, such as 25 or 12.5."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "short", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter the owner's share, as a percentage."),
            "invalid": _("Enter the share as a number of percent, like 25 or 12.5."),
        },
    )
    publishable = forms.ChoiceField(
        label=_("May this owner be published as open data?"),
        choices=[(YES, _("Yes, the law allows publishing this owner")), (NO, _("No"))],
        initial=YES,
        widget=forms.RadioSelect,
        help_text=_(
            "Published owners appear with their name and nationality in Procura's open data. The share, "
            "date of birth and address are never published."
        ),
        error_messages={
            "required": _("Say whether the law allows publishing this owner."),
            "invalid_choice": _("Say whether the law allows publishing this owner."),
        },
    )
    date_of_birth = _date(_("Date of birth"), _("For example 1970-05-31. Kept private."))
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=ADDRESS_LIMIT,
        help_text=_("Kept private."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        nationality = self.fields["nationality"]
        assert isinstance(nationality, forms.ChoiceField)
        nationality.choices = [("", _("Choose a country")), *country_choices()]

    def values(self) -> dict[str, Any]:
        """What the services take, from a valid form."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "nationality": data["nationality"],
            "share": data["share"],
            "publishable": data["publishable"] == YES,
            "date_of_birth": data.get("date_of_birth"),
            "address": data.get("address") or "",
        }


class QualificationDocumentForm(ProcuraForm):
    kind = forms.ChoiceField(
        label=_("Kind of document"),
        choices=[("", _("Choose a kind")), *QualificationKind.choices],
        error_messages={
            "required": _("Choose the kind of document."),
            "invalid_choice": _("Choose the kind of document."),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_LIMIT,
        help_text=_("For example ISO 9001 certificate or Tax clearance 2026."),
        error_messages={"required": _("Enter the document's title.")},
    )
    issued_on = _date(_("Issued on"), _("For example 2026-01-31."))
    expires_on = _date(
        _("Expires on"),
        _(
            "The last day the document is valid, for example 2027-01-31. Leave empty if it does not expire. "
            "You will be reminded 30 and 7 days before."
        ),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, an office document, a spreadsheet, text or an image."),
        error_messages={
            "required": _("Choose a file to upload."),
            "empty": _("The file is empty."),
            "invalid": _("Choose a file to upload."),
        },
    )
