"""Forms of the supplier register pages. They check what a person typed; the services decide the
rules (views call them through `procura.core.forms.call_service`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from procura.accounts.forms import country_choices
from procura.accounts.models import Organisation
from procura.core.forms import ProcuraForm
from procura.suppliers.models import QualificationKind
from procura.suppliers.selectors import supplier_by_identifier
from procura.suppliers.services.debarments import AUTHORITY_LIMIT, REASON_LIMIT, REFERENCE_LIMIT
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


# --- Debarment --------------------------------------------------------------------------------
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _moment(label: Any, required: bool, missing: Any = None) -> forms.DateTimeField:
    # Django reads the value in the current time zone, the platform's (TIME_ZONE), and makes it aware.
    messages = {"invalid": _("Enter a date and time, such as 2026-04-30 12:00.")}
    if missing is not None:
        messages["required"] = missing
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DateTimeLocalInput(),
        input_formats=DATETIME_FORMATS,
        error_messages=messages,
    )


class _ListOrIdentifierField(forms.ChoiceField):
    """Required in the sense that a supplier must be chosen (so the label says nothing about it
    being optional), but it may be left empty when the identifier is given instead: the form's
    `clean` asks for one of the two."""

    def validate(self, value: Any) -> None:
        if value in self.empty_values:
            return
        super().validate(value)


class DebarmentForm(ProcuraForm):
    """Choose the supplier from the list or by its identifier; the rest is published as typed."""

    supplier = _ListOrIdentifierField(
        label=_("Supplier"), error_messages={"invalid_choice": _("Choose a supplier from the list.")}
    )
    identifier = forms.CharField(
        label=_("Or the supplier's identifier"),
        required=False,
        max_length=140,
        help_text=_("The registration scheme and number as the supplier's page shows them, such as GB-COH-01234567."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Published on the debarment list: what the supplier did, as the decision states it."),
        error_messages={"required": _("Enter the reason for the debarment: it is published.")},
    )
    authority = forms.CharField(
        label=_("Deciding authority"),
        max_length=AUTHORITY_LIMIT,
        help_text=_("Who decided the debarment, such as the Public Procurement Review Board."),
        error_messages={"required": _("Enter the authority that decided the debarment, such as the review board.")},
    )
    reference = forms.CharField(
        label=_("Decision reference (optional)"),
        required=False,
        max_length=REFERENCE_LIMIT,
        help_text=_("The number or reference of the decision, if it has one."),
    )
    starts_on = _moment(_("Debarred from"), True, _("Enter when the debarment starts."))
    ends_on = _moment(_("Debarred until (optional)"), False)

    def __init__(self, *args: Any, suppliers: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._suppliers = {str(s.pk): s for s in suppliers}
        supplier = self.fields["supplier"]
        assert isinstance(supplier, forms.ChoiceField)
        supplier.choices = [
            ("", _("Choose a supplier")),
            *((key, f"{s.legal_name} ({s.identifier})") for key, s in self._suppliers.items()),
        ]
        # Per form, so the hint is in the language of the request.
        zone = {"zone": settings.TIME_ZONE}
        self.fields["starts_on"].help_text = (
            gettext(
                "Date and time in the %(zone)s time zone, such as 2026-04-30 12:00. "
                "It may be in the past or the future."
            )
            % zone
        )
        self.fields["ends_on"].help_text = gettext(
            "The debarment no longer applies from this moment. Leave it empty for an indefinite debarment."
        )
        self.chosen: Organisation | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = self._suppliers.get(data.get("supplier") or "")
        identifier = (data.get("identifier") or "").strip()
        if identifier:
            found = supplier_by_identifier(identifier)
            if found is None:
                self.add_error(
                    "identifier", gettext("No supplier has this identifier. Check it on the supplier's page.")
                )
            elif chosen is not None and chosen.pk != found.pk:
                self.add_error(
                    "identifier",
                    gettext("This identifier is of %(name)s, not the supplier chosen in the list: give one of them.")
                    % {"name": found.legal_name},
                )
            else:
                chosen = found
        elif chosen is None:
            self.add_error("supplier", gettext("Choose the supplier from the list, or enter its identifier."))
        self.chosen = chosen if not self.has_error("identifier") and not self.has_error("supplier") else None
        return data


class DebarmentLiftForm(ProcuraForm):
    reason = forms.CharField(
        label=_("Why is the debarment lifted?"),
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published on the debarment list, such as the appeal decision that annulled it."),
        error_messages={"required": _("Enter why the debarment is lifted: it is published.")},
    )
