"""Checking what people type: each check adds its problems, under the field's name, to a
`Problems` collection, so a service reports every bad field at once. Apps add their own checks
(money, dates, percentages) on top of these."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from procura.core.errors import InvalidInput


class Problems:
    """Messages by field name, raised together as one InvalidInput."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.fields

    def raise_if_any(self, message: str) -> None:
        if self.fields:
            raise InvalidInput(message, fields=self.fields)


def clean_text(value: Any, *, field: str, problems: Problems, max_length: int, required: str | None = None) -> str:
    """The text trimmed; `required` is the message when it is missing."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.add(field, _("Enter text."))
        return ""
    value = value.strip()
    if "\x00" in value:
        problems.add(field, _("Remove the null characters from this text."))
    elif required is not None and not value:
        problems.add(field, required)
    elif len(value) > max_length:
        problems.add(
            field,
            ngettext(
                "Shorten this to at most %(count)d character.",
                "Shorten this to at most %(count)d characters.",
                max_length,
            )
            % {"count": max_length},
        )
    return value


def checked_text(value: Any, *, field: str, max_length: int, required: str | None = None) -> str:
    """One field's text, cleaned as `clean_text` does; InvalidInput naming the field (its message
    also the error's) when it is not acceptable. For a service that checks a single text."""
    problems = Problems()
    text = clean_text(value, field=field, problems=problems, max_length=max_length, required=required)
    if problems.fields:
        raise InvalidInput(problems.fields[field][0], fields=problems.fields)
    return text
