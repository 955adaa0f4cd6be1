"""Forms of the contract pages. They check what a person typed is well formed; `services` decide
every rule, and their refusals come back by the inputs they name (see `ContractActionForm`).

Amounts are typed as text and handed to the services as text, so nothing is lost to rounding
and the services' messages (decimals of the currency, what is left to pay) are the ones shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procura.contracts.models import Invoice, Milestone, MilestoneKind, MilestoneStatus
from procura.core.errors import ProcuraError
from procura.core.forms import ProcuraForm

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
TEXT_LIMIT = 20_000


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _when(label: Any, required: Any, *, optional: bool = False) -> forms.DateTimeField:
    # Django reads the value in the platform's time zone (TIME_ZONE) and makes it aware.
    return forms.DateTimeField(
        label=label,
        required=not optional,
        widget=DateTimeLocalInput(),
        input_formats=DATETIME_FORMATS,
        error_messages={
            "required": required,
            "invalid": gettext_lazy("Enter a date and time, such as 2026-04-30 12:00."),
        },
    )


def _amount(label: Any, *, required: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required is not None,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": required or ""},
    )


def _text(label: Any, *, required: Any = None, rows: int = 3, limit: int = TEXT_LIMIT) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required is not None,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": required or "",
            "max_length": gettext_lazy("This can be at most %(limit_value)s characters."),
        },
    )


class ContractActionForm(ProcuraForm):
    """A form of the contract workspace. `add_service_errors` puts a service's messages by the
    inputs they name, or at the top; `anchor` is where the page scrolls to after an error."""

    anchor = ""
    # A service's field name → this form's field name, where they differ.
    renamed: dict[str, str] = {}

    def __init__(self, *args: Any, zone_hint: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if zone_hint:
            hint = _("Date and time in the %(zone)s time zone, such as 2026-04-30 12:00.") % {
                "zone": settings.TIME_ZONE
            }
            for field in self.fields.values():
                if isinstance(field, forms.DateTimeField) and not field.help_text:
                    field.help_text = hint

    def add_service_errors(self, error: ProcuraError) -> None:
        """Each message by the input it names; the refusal itself at the top, unless it is
        already shown by its input."""
        shown: set[str] = set()
        for name, messages in error.fields.items():
            field = self.renamed.get(name, name)
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)
                    shown.add(message)
        if error.message not in shown:
            self.add_error(None, error.message)


class ContractForm(ContractActionForm):
    """Preparing the contract from its award, and editing its terms before signature."""

    anchor = "terms"

    title = forms.CharField(
        label=gettext_lazy("Title of the contract"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Left empty: the tender's title."),
    )
    description = _text(gettext_lazy("Description"), rows=4)
    period_start = _when(gettext_lazy("The contract starts"), gettext_lazy("Enter when the contract starts."))
    period_end = _when(gettext_lazy("The contract ends"), gettext_lazy("Enter when the contract ends."))


class SignForm(ContractActionForm):
    """Signing for one party: the signer's name and a current code from their authenticator."""

    anchor = "signatures"

    party = forms.CharField(widget=forms.HiddenInput)
    signed_name = forms.CharField(
        label=gettext_lazy("Your full name"),
        max_length=200,
        error_messages={"required": gettext_lazy("Type your full name to sign.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    otp_code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=12,
        help_text=gettext_lazy("The 6-digit code the app shows now. It confirms that it is you who signs."),
        error_messages={"required": gettext_lazy("Enter the 6-digit code your authenticator app shows now.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "short"}),
    )


class MilestoneForm(ContractActionForm):
    anchor = "milestones"

    title = forms.CharField(
        label=gettext_lazy("Milestone"),
        max_length=300,
        help_text=gettext_lazy("For example: First delivery of 5,000 boxes; Quarterly report."),
        error_messages={"required": gettext_lazy("Give the milestone a title.")},
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=MilestoneKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose whether it is a delivery, a report or a payment."),
            "invalid_choice": gettext_lazy("Choose whether it is a delivery, a report or a payment."),
        },
    )
    due_at = _when(gettext_lazy("Due"), gettext_lazy("Enter when the milestone is due."))
    value_amount = _amount(gettext_lazy("Amount payable for it"))
    description = _text(gettext_lazy("Details"))


class DeliveryForm(ContractActionForm):
    anchor = "milestones"

    note = _text(gettext_lazy("Note for the buyer"))


ACCEPTANCE_CHOICES = [
    (MilestoneStatus.MET, gettext_lazy("Met")),
    (MilestoneStatus.PARTIALLY_MET, gettext_lazy("Partially met")),
    (MilestoneStatus.NOT_MET, gettext_lazy("Not met")),
]


class AcceptanceForm(ContractActionForm):
    anchor = "milestones"

    status = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=ACCEPTANCE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose met, partially met or not met."),
            "invalid_choice": gettext_lazy("Choose met, partially met or not met."),
        },
    )
    note = _text(
        gettext_lazy("Note for the supplier"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = _("Needed when it is partially met or not met: say what was missing.")


class InvoiceForm(ContractActionForm):
    anchor = "invoices"

    milestone = forms.ChoiceField(
        label=gettext_lazy("For the milestone"),
        error_messages={
            "required": gettext_lazy("Choose the milestone the invoice is for."),
            "invalid_choice": gettext_lazy("Choose a milestone of this contract."),
        },
    )
    number = forms.CharField(
        label=gettext_lazy("Invoice number"),
        max_length=64,
        error_messages={"required": gettext_lazy("Enter the invoice number.")},
    )
    amount = _amount(gettext_lazy("Amount"), required=gettext_lazy("Enter the amount of the invoice."))
    issued_on = forms.DateField(
        label=gettext_lazy("Date of the invoice"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Enter the date of the invoice."),
            "invalid": gettext_lazy("Enter a date such as 2026-04-30."),
        },
    )

    def __init__(self, *args: Any, milestones: Sequence[Milestone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.milestones = {str(m.pk): m for m in milestones}
        field = self.fields["milestone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose…")), *[(str(m.pk), f"{m.title} ({m.local_id})") for m in milestones]]

    def chosen_milestone(self) -> Milestone:
        return self.milestones[self.cleaned_data["milestone"]]


class RejectionForm(ContractActionForm):
    anchor = "invoices"

    reason = _text(
        gettext_lazy("Why the invoice is rejected"),
        required=gettext_lazy("Say why the invoice is rejected: the supplier reads it."),
        rows=2,
    )


class PaymentForm(ContractActionForm):
    anchor = "payments"

    amount = _amount(gettext_lazy("Amount paid"), required=gettext_lazy("Enter the amount paid."))
    paid_at = _when(gettext_lazy("Paid on"), gettext_lazy("Enter when the payment was made."))
    invoice = forms.ChoiceField(
        label=gettext_lazy("Invoice it settles"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose an invoice of this contract.")},
    )
    reference = forms.CharField(label=gettext_lazy("Payment reference"), max_length=100, required=False)

    def __init__(self, *args: Any, invoices: Iterable[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invoices = {str(i.pk): i for i in invoices}
        field = self.fields["invoice"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("None")),
            *[(str(i.pk), f"{i.number} ({i.amount} {i.currency})") for i in self.invoices.values()],
        ]

    def chosen_invoice(self) -> Invoice | None:
        value = self.cleaned_data.get("invoice") or ""
        return self.invoices.get(value)


class AmendmentForm(ContractActionForm):
    anchor = "amendments"

    value_amount = _amount(gettext_lazy("New value"))
    period_end = _when(gettext_lazy("New end of the contract"), "", optional=True)
    rationale = _text(
        gettext_lazy("Rationale"),
        required=gettext_lazy("Say why the contract is amended: it is published."),
        rows=3,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rationale"].help_text = _("Published with the amendment.")


class TerminationForm(ContractActionForm):
    anchor = "end"

    reason = _text(
        gettext_lazy("Why the contract is terminated"),
        required=gettext_lazy("Say why the contract is terminated: it is published."),
    )


RATING_CHOICES = [
    ("5", gettext_lazy("5 – excellent")),
    ("4", gettext_lazy("4 – good")),
    ("3", gettext_lazy("3 – satisfactory")),
    ("2", gettext_lazy("2 – poor")),
    ("1", gettext_lazy("1 – very poor")),
]


class CompletionForm(ContractActionForm):
    anchor = "end"

    rating = forms.TypedChoiceField(
        label=gettext_lazy("The supplier's performance"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Give a rating from 1 (poor) to 5 (excellent)."),
            "invalid_choice": gettext_lazy("Give a rating from 1 (poor) to 5 (excellent)."),
        },
    )
    comment = _text(
        gettext_lazy("Comment on the rating"),
        required=gettext_lazy("Explain the rating: it is kept on the supplier's record."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].help_text = _("Public, on the supplier's performance record.")


class ContractFilterForm(forms.Form):
    """The public list's filters (a GET form)."""

    buyer = forms.ChoiceField(label=gettext_lazy("Buyer"), required=False)
    supplier = forms.ChoiceField(label=gettext_lazy("Supplier"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(
        self, *args: Any, buyers: Sequence[Any], suppliers: Sequence[Any], statuses: Sequence[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        everyone = ("", _("All"))
        for name, organisations in (("buyer", buyers), ("supplier", suppliers)):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [everyone, *[(str(o.pk), o.legal_name) for o in organisations]]
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [everyone, *statuses]
