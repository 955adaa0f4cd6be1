"""Forms of the evaluation pages. They check what a person typed; evaluation.services decides
every rule (and may still refuse, naming the field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from procura.core.forms import ProcuraForm
from procura.evaluation.models import PanelRole, ScoreModeChoice
from procura.evaluation.services import TEXT_LIMIT

INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _text(label: Any, required: Any, *, rows: int = 4, help_text: Any = "", optional: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=not optional,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": required,
            "max_length": _("This can be at most %(limit_value)s characters."),
        },
    )


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


# --- The panel ------------------------------------------------------------------------------------
class PanelMemberForm(ProcuraForm):
    email = forms.EmailField(
        label=_("Email address of the person's Procura account"),
        max_length=254,
        error_messages={
            "required": _("Enter the email address of the person to seat on the panel."),
            "invalid": _("Enter an email address, such as name@example.org."),
        },
    )
    role = forms.ChoiceField(
        label=_("Seat"),
        choices=PanelRole.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose evaluator or independent observer.")},
    )
    affiliation = forms.CharField(
        label=_("Affiliation of an observer"),
        required=False,
        max_length=300,
        help_text=_("For an independent observer, the organisation they come from. Shown with their name."),
    )
    choice_hints = {
        "role": {
            PanelRole.EVALUATOR.value: _("A member of the buyer who checks and scores the bids."),
            PanelRole.OBSERVER.value: _(
                "Someone independent of the buyer and of every bidder (for example from a civil-society "
                "organisation) who follows the evaluation and can change nothing."
            ),
        }
    }


NO_CONFLICT = "no_conflict"
CONFLICT = "conflict"


class DeclarationForm(ProcuraForm):
    declaration = forms.ChoiceField(
        label=_("Your declaration"),
        choices=[
            (NO_CONFLICT, _("I have no conflict of interest with any of these bidders")),
            (CONFLICT, _("I have a conflict of interest with one or more of these bidders")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you have a conflict of interest with any of the bidders.")},
    )
    statement = _text(
        _("The conflict of interest"),
        "",
        optional=True,
        help_text=_(
            "If you have a conflict: with which bidder, and how. You will then take no part in the evaluation."
        ),
    )
    signed_name = forms.CharField(
        label=_("Your full name, as your signature"),
        max_length=200,
        error_messages={"required": _("Type your full name to sign the declaration.")},
    )

    @property
    def has_conflict(self) -> bool:
        return self.cleaned_data.get("declaration") == CONFLICT


class ScoreModeForm(ProcuraForm):
    mode = forms.ChoiceField(
        label=_("How the marks of the panel count"),
        choices=ScoreModeChoice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the marks are combined.")},
    )


# --- Qualification --------------------------------------------------------------------------------
def _yes_no(label: Any, required: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=YES_NO, widget=forms.RadioSelect, error_messages={"required": required}
    )


class ChecksForm(ProcuraForm):
    eligibility_met = _yes_no(
        _("Does the bidder meet the eligibility criteria?"), _("Say whether the eligibility criteria are met.")
    )
    exclusion_clear = _yes_no(
        _("Is the bidder clear of every ground for exclusion?"),
        _("Say whether the bidder is clear of every ground for exclusion."),
    )
    notes = _text(_("Notes on the checks"), "", optional=True, rows=3)

    def flag(self, name: str) -> bool:
        return self.cleaned_data.get(name) == "yes"


class DisqualifyForm(ProcuraForm):
    reason = _text(_("Reason for disqualifying the bid"), _("Give the reason: the bidder is told."), rows=3)


class LowPriceForm(ProcuraForm):
    justification = _text(
        _("Why the price is acceptable"),
        _("Say why the price is acceptable: the justification is kept on record."),
        rows=3,
        help_text=_("Usually the bidder's explanation, asked for with a clarification request."),
    )


class ClarificationRequestForm(ProcuraForm):
    question = _text(_("Question to the bidder"), _("Write the question for the bidder."), rows=3)
    respond_by = forms.DateTimeField(
        label=_("Answer by"),
        widget=DateTimeLocalInput(),
        input_formats=INPUT_FORMATS,
        error_messages={
            "required": _("Give the date and time by which the bidder must answer."),
            "invalid": _("Enter a date and time, such as 2026-04-30 12:00."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["respond_by"].help_text = gettext(
            "Date and time in the %(zone)s time zone, such as 2026-04-30 12:00."
        ) % {"zone": settings.TIME_ZONE}


class AnswerForm(ProcuraForm):
    response = _text(_("Your answer"), _("Write your answer."), rows=5)


# --- Marks ----------------------------------------------------------------------------------------
class MarkForm(ProcuraForm):
    mark = forms.DecimalField(
        label=_("Mark (0 to 10)"),
        min_value=0,
        max_value=10,
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "max": "10", "inputmode": "decimal"}),
        error_messages={
            "required": _("Enter a mark from 0 to 10, such as 7.5."),
            "invalid": _("Enter a mark from 0 to 10, such as 7.5."),
            "min_value": _("A mark is from 0 to 10."),
            "max_value": _("A mark is from 0 to 10."),
            "max_decimal_places": _("A mark has at most one decimal place."),
            "max_digits": _("A mark is from 0 to 10."),
            "max_whole_digits": _("A mark is from 0 to 10."),
        },
    )
    justification = _text(_("Justification"), _("Give the reasons for this mark: every mark is justified."), rows=3)
