"""Template helpers for accessible forms and for showing account values.

`{% form_field form.email %}` renders a label, hint, error and input, linked by
aria-describedby; `{% error_summary form %}` lists every error with a link to its field.
"""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError
from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.translation import get_language

from procura.accounts.roles import Role

register = template.Library()

_GROUP_WIDGETS = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def _is_group(field: BoundField) -> bool:
    return isinstance(field.field.widget, _GROUP_WIDGETS)


def _anchor(field: BoundField) -> str:
    """The id of the element an error links to: the input, or a group's first option."""
    return f"{field.auto_id}_0" if _is_group(field) else field.id_for_label


@register.inclusion_tag("web/includes/field.html")
def form_field(field: BoundField) -> dict[str, Any]:
    context: dict[str, Any] = {"field": field, "is_group": _is_group(field), "options": []}
    if context["is_group"]:
        hints = getattr(field.form, "choice_hints", {}).get(field.name, {})
        context["input_type"] = "checkbox" if isinstance(field.field.widget, forms.CheckboxSelectMultiple) else "radio"
        context["options"] = [
            {
                "id": option.id_for_label,
                "value": option.data["value"],
                "label": option.choice_label,
                "checked": option.data["selected"],
                "hint": hints.get(str(option.data["value"]), ""),
            }
            for option in field.subwidgets
        ]
    return context


@register.inclusion_tag("web/includes/error_summary.html")
def error_summary(form: forms.BaseForm) -> dict[str, Any]:
    field_errors = [
        (_anchor(form[name]), message) for name in form.fields if name in form.errors for message in form.errors[name]
    ]
    return {"non_field_errors": form.non_field_errors(), "field_errors": field_errors}


@register.filter
def country_name(code: str) -> str:
    """An ISO 3166 country code named in the active language: "ES" → "Spain" / "España"."""
    if not code:
        return ""
    try:
        locale = Locale.parse(get_language() or "en", sep="-")
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return str(locale.territories.get(code.upper(), code))


@register.filter
def role_label(value: str) -> str:
    try:
        return str(Role(value).label)
    except ValueError:
        return value
