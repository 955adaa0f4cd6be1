"""Forms of the award and complaint pages: deciding a lot's award, closing a lot without award,
filing a complaint, and the review body's decision.

Forms check only that what was typed is well formed; `awards` and `complaints` decide everything
else, and their refusals come back by the inputs they name (`bid`, `reasons`, `reason`,
`grounds`, `confidential_grounds`, `documents`, `decision`, `confidential_decision`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procura.accounts.models import Organisation
from procura.core.errors import ProcuraError
from procura.core.forms import ProcuraForm

TEXT_LIMIT = 20_000


def _text(label: Any, *, required: bool = True, rows: int = 6, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ServiceErrorsMixin:
    """A service's refusal by the inputs it names; what names no input here goes to the top."""

    # The service's name for an input, when the form calls it something else.
    renamed: dict[str, str] = {}

    def add_service_errors(self, error: ProcuraError) -> None:
        form: Any = self
        placed = False
        for name, messages in error.fields.items():
            field = self.renamed.get(name, name)
            if field in form.fields:
                for message in messages:
                    form.add_error(field, message)
                placed = True
        if not placed:
            form.add_error(None, error.message)


class AwardDecideForm(ServiceErrorsMixin, ProcuraForm):
    """Which bid is awarded (the ranking, the best ranked chosen to begin with) and why."""

    bid = forms.ChoiceField(label=gettext_lazy("Bid to award"), widget=forms.RadioSelect)
    reasons = _text(
        gettext_lazy("Reasons for the decision"),
        help_text=gettext_lazy(
            "Every bidder receives them with its own scores, and they are published with the award."
        ),
    )

    def __init__(self, *args: Any, choices: Sequence[tuple[str, str]], hints: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["bid"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(choices)
        field.error_messages["required"] = _("Choose the bid to award.")
        field.error_messages["invalid_choice"] = _("Choose one of the bids listed.")
        self.fields["reasons"].error_messages["required"] = _(
            "Give the reasons for the decision: every bidder receives them and they are published."
        )
        self.choice_hints = {"bid": hints}
        if choices and not self.is_bound:
            self.initial.setdefault("bid", choices[0][0])


class LotCloseForm(ServiceErrorsMixin, ProcuraForm):
    """Why the lot closes without award (no bid, or none qualified)."""

    reason = _text(
        gettext_lazy("Why the lot cannot be awarded"),
        rows=4,
        help_text=gettext_lazy("Every bidder receives it and it is published."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _(
            "Say why the lot cannot be awarded: bidders receive it and it is published."
        )


class ComplaintForm(ServiceErrorsMixin, ProcuraForm):
    """A complaint: the supplier filing it (when the person manages several), public grounds, a
    confidential part, and a document of each kind."""

    renamed = {"documents": "public_document"}

    complainant = forms.ChoiceField(label=gettext_lazy("Complain as"), required=False)
    grounds = _text(
        gettext_lazy("Grounds of the complaint"),
        rows=8,
        help_text=gettext_lazy(
            "What you say was wrong with the decision, and why. This part is published with the complaint."
        ),
    )
    confidential_grounds = _text(
        gettext_lazy("Confidential part of the grounds"),
        required=False,
        rows=5,
        help_text=gettext_lazy(
            "Commercially confidential details. Shown only to your organisation, the review body and the "
            "platform's auditors, never published."
        ),
    )
    public_document = forms.FileField(
        label=gettext_lazy("Supporting document"),
        required=False,
        help_text=gettext_lazy("Published with the complaint. PDF, office documents or images."),
    )
    confidential_document = forms.FileField(
        label=gettext_lazy("Confidential document"),
        required=False,
        help_text=gettext_lazy("Shown only to your organisation, the review body and the platform's auditors."),
    )

    def __init__(self, *args: Any, suppliers: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suppliers = {str(s.pk): s for s in suppliers}
        field = self.fields["complainant"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(s.pk), s.legal_name) for s in suppliers]
        field.error_messages["invalid_choice"] = _("Choose one of your suppliers that bid for this lot.")
        field.error_messages["required"] = _("Choose the supplier that files the complaint.")
        field.required = len(suppliers) > 1
        if len(suppliers) == 1:
            field.widget = forms.HiddenInput()
            field.initial = str(suppliers[0].pk)
        self.fields["grounds"].error_messages["required"] = _(
            "Set out the grounds of the complaint: this part is published."
        )

    def clean_complainant(self) -> str:
        value = str(self.cleaned_data.get("complainant") or "")
        if not value and len(self.suppliers) == 1:
            return next(iter(self.suppliers))
        return value

    def chosen_complainant(self) -> Organisation | None:
        return self.suppliers.get(str(self.cleaned_data.get("complainant") or ""))


class ComplaintDecisionForm(ServiceErrorsMixin, ProcuraForm):
    """The review body's decision: the outcome, its public reasons, a confidential part."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("upheld", gettext_lazy("Upheld")),
            ("dismissed", gettext_lazy("Dismissed")),
        ],
    )
    decision = _text(
        gettext_lazy("Reasons for the decision"),
        rows=8,
        help_text=gettext_lazy("Published with the complaint, and sent to the buyer and the bidders."),
    )
    confidential_decision = _text(
        gettext_lazy("Confidential part of the decision"),
        required=False,
        rows=5,
        help_text=gettext_lazy(
            "Shown only to the complainant, the review body and the platform's auditors, never published."
        ),
    )
    choice_hints = {
        "outcome": {
            "upheld": gettext_lazy("The award is cancelled and the lot is evaluated again."),
            "dismissed": gettext_lazy("The award stands; it comes into force once the standstill is over."),
        }
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].error_messages["required"] = _("Choose whether the complaint is upheld or dismissed.")
        self.fields["decision"].error_messages["required"] = _("Give the reasons for the decision: they are published.")

    def upheld(self) -> bool:
        return self.cleaned_data.get("outcome") == "upheld"
