"""Forms of the bid pages: starting a bid, the draft (price, answers, qualification documents)
and attaching a file.

Forms only check what a person typed is well formed; `services` decide everything else and
their refusals come back by the inputs they name (`price`, `answers.<key>`, `qualifications`,
`file`). A draft may be saved incomplete, so the draft's inputs are marked as needed for
submission without refusing an empty one on saving.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procura.accounts.models import Organisation
from procura.bids.domain import MAX_ANSWER_LENGTH, Question
from procura.core.errors import ProcuraError
from procura.core.forms import ProcuraForm
from procura.suppliers.models import QualificationDocument, QualificationKind

ANSWER_PREFIX = "answer_"


class NeededToSubmit(forms.CharField):
    """An input a bid needs before it can be submitted, but that a saved draft may leave empty:
    its label does not say "(optional)", and saving does not refuse it empty (submission does)."""

    def validate(self, value: Any) -> None:
        return None


class BidStartForm(ProcuraForm):
    """Which supplier bids, when the person is a bid manager of several."""

    supplier = forms.ChoiceField(label=gettext_lazy("Bid as"), required=False)

    def __init__(self, *args: Any, suppliers: Sequence[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suppliers = {str(s.pk): s for s in suppliers}
        field = self.fields["supplier"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(s.pk), s.legal_name) for s in suppliers]
        field.error_messages["invalid_choice"] = _("Choose one of your suppliers.")
        field.error_messages["required"] = _("Choose the supplier that makes this bid.")
        field.required = len(suppliers) > 1
        if len(suppliers) == 1:
            self.fields["supplier"].widget = forms.HiddenInput()
            self.fields["supplier"].initial = str(suppliers[0].pk)

    def clean_supplier(self) -> str:
        # With one supplier the choice is implicit: a form posted without it still starts the bid.
        value = str(self.cleaned_data.get("supplier") or "")
        if not value and len(self.suppliers) == 1:
            return next(iter(self.suppliers))
        return value

    def chosen_supplier(self) -> Organisation:
        return self.suppliers[self.cleaned_data["supplier"]]


def qualification_hint(qualification: QualificationDocument, today: dt.date) -> str:
    kind = str(QualificationKind(qualification.kind).label) if qualification.kind in QualificationKind.values else ""
    if qualification.expires_on is None:
        return kind
    if qualification.expires_on < today:
        expiry = _("expired on %(date)s") % {"date": qualification.expires_on.isoformat()}
    else:
        expiry = _("valid until %(date)s") % {"date": qualification.expires_on.isoformat()}
    return f"{kind}, {expiry}" if kind else expiry


class BidDraftForm(ProcuraForm):
    """The draft: the price in the tender's currency, one answer per question, and which of the
    supplier's qualification documents the bid relies on."""

    price = NeededToSubmit(
        label=gettext_lazy("Your price for this lot"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "short"}),
    )
    qualifications = forms.MultipleChoiceField(
        label=gettext_lazy("Qualification documents to include"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Documents from your supplier registration. The bid keeps a fingerprint of each."),
    )

    def __init__(
        self,
        *args: Any,
        currency: str,
        questions: Iterable[Question],
        qualifications: Sequence[QualificationDocument],
        today: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.fields["price"].help_text = _(
            "In %(currency)s, the tender's currency, without the currency sign or thousands separators: "
            "for example 1250.00."
        ) % {"currency": currency}
        for question in self.questions:
            field_class = NeededToSubmit if question.required else forms.CharField
            self.fields[ANSWER_PREFIX + question.key] = field_class(
                label=_(question.label),
                required=False,
                max_length=MAX_ANSWER_LENGTH,
                widget=forms.Textarea(attrs={"rows": 6}),
            )
        choices = self.fields["qualifications"]
        assert isinstance(choices, forms.MultipleChoiceField)
        choices.choices = [(str(q.pk), q.title) for q in qualifications]
        choices.error_messages["invalid_choice"] = _("Choose qualification documents of your organisation.")
        self.choice_hints = {"qualifications": {str(q.pk): qualification_hint(q, today) for q in qualifications}}
        self.has_qualifications = bool(qualifications)

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[ANSWER_PREFIX + question.key] for question in self.questions]

    def answers(self) -> dict[str, str]:
        return {
            question.key: str(self.cleaned_data.get(ANSWER_PREFIX + question.key) or "") for question in self.questions
        }

    def qualification_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(value) for value in self.cleaned_data.get("qualifications") or ()]

    def add_service_errors(self, error: ProcuraError) -> None:
        """A service's refusal by the inputs it names (`answers.<key>` is the answer's textarea);
        what names no input here goes to the top of the form, with the refusal's message."""
        unplaced = False
        for name, messages in error.fields.items():
            field = ANSWER_PREFIX + name.removeprefix("answers.") if name.startswith("answers.") else name
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)
            else:
                unplaced = True
        if unplaced or not error.fields:
            self.add_error(None, error.message)


def draft_initial(content: Any) -> dict[str, Any]:
    """The form's values from a bid's content (`domain.BidContent`)."""
    initial: dict[str, Any] = {
        "price": content.price_amount,
        "qualifications": [str(q.get("id")) for q in content.qualifications],
    }
    for key, text in dict(content.answers).items():
        initial[ANSWER_PREFIX + key] = text
    return initial


class BidFileForm(ProcuraForm):
    """A file for the bid, sealed before it is stored."""

    title = forms.CharField(
        label=gettext_lazy("Title of the document"),
        required=False,
        max_length=250,
        help_text=gettext_lazy("For example: Technical offer. Leave empty to use the file's name."),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("PDF, office documents, images, text or ZIP. It is encrypted as soon as it arrives."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["required"] = _("Choose a file to upload.")
        self.fields["file"].error_messages["empty"] = _("The chosen file is empty.")

    def add_service_errors(self, error: ProcuraError) -> None:
        messages: Mapping[str, list[str]] = error.fields
        if "file" in messages:
            for message in messages["file"]:
                self.add_error("file", message)
        else:
            self.add_error(None, error.message)
