"""Form of the incident pages. It checks what a person typed; incidents.services decides the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from procura.core.forms import ProcuraForm
from procura.incidents.services import DESCRIPTION_LIMIT

INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _when(label: Any, required: Any) -> forms.DateTimeField:
    # Django reads the value in the current time zone, the platform's (TIME_ZONE), and makes it aware.
    return forms.DateTimeField(
        label=label,
        widget=DateTimeLocalInput(),
        input_formats=INPUT_FORMATS,
        error_messages={"required": required, "invalid": _("Enter a date and time, such as 2026-04-30 12:00.")},
    )


class IncidentForm(ProcuraForm):
    started_at = _when(_("Unavailable from"), _("Enter when the platform became unavailable."))
    ended_at = _when(_("Available again at"), _("Enter when the platform was available again."))
    description = forms.CharField(
        label=_("What happened"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Published on the incidents page: say what was unavailable, without personal details."),
        error_messages={
            "required": _("Describe what happened: it is published."),
            "max_length": _("The description can be at most %(limit_value)s characters."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Per form, so the hint is in the language of the request.
        hint = gettext("Date and time in the %(zone)s time zone, such as 2026-04-30 12:00.") % {
            "zone": settings.TIME_ZONE
        }
        for name in ("started_at", "ended_at"):
            self.fields[name].help_text = hint
