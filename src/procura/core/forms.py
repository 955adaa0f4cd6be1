"""Forms helpers shared by every app's pages: call a service from a form and show its refusal.

Forms check what a person typed (present, well formed); the services stay the authority on every
rule and may still refuse, so views call them through `call_service`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied as HttpPermissionDenied
from django.http import Http404

from procura.core.errors import NotAuthenticated, NotFound, PermissionDenied, ProcuraError

T = TypeVar("T")


def http_error(error: ProcuraError) -> Exception:
    """The Django exception that renders the page for a refusal: 404 for NotFound, else 403."""
    if isinstance(error, NotFound):
        return Http404(error.message)
    return HttpPermissionDenied(error.message)


def add_service_errors(form: forms.BaseForm, error: ProcuraError) -> None:
    """Attach a service's messages to the named fields; the rest become non-field errors."""
    for name, messages in error.fields.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if not error.fields:
        form.add_error(None, error.message)


def call_service(form: forms.BaseForm, service: Callable[..., T], /, **kwargs: Any) -> T | None:
    """Run a service for a valid form. On a refusal the form gets the messages and None is
    returned; PermissionDenied and NotFound raise Django's 403 and 404 instead."""
    try:
        return service(**kwargs)
    except (PermissionDenied, NotAuthenticated, NotFound) as exc:
        raise http_error(exc) from exc
    except ProcuraError as exc:
        add_service_errors(form, exc)
        return None


class ProcuraForm(forms.Form):
    """No browser validation bubbles: errors come from the server, in the summary and by each field."""

    use_required_attribute = False
    # Hints shown under individual radio buttons or checkboxes: {field name: {value: hint}}.
    choice_hints: dict[str, dict[Any, Any]] = {}
