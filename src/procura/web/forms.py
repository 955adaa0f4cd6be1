"""Forms of the shared layout (the organisation switcher)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from procura.core.forms import ProcuraForm


class OrganisationSwitchForm(ProcuraForm):
    organisation = forms.UUIDField(label=_("Organisation"))
    next = forms.CharField(required=False)
