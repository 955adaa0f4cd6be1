"""Sections higher apps add to the public tender page (bidding, the opening, following).

The tender page belongs to tenders, which must not import the apps above it. They register a
panel here in their AppConfig.ready(): a function of the request and the tender returning HTML
(a rendered template, already escaped) or "" when it has nothing to show this person. Panels
appear after the tender's dates in `order`, lowest first.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from procura.tenders.models import Tender

TenderPanel = Callable[[HttpRequest, Tender], str]
_panels: list[tuple[int, str, TenderPanel]] = []


def register_tender_panel(name: str, panel: TenderPanel, *, order: int = 100) -> None:
    """Add (or replace, by name) a panel of the tender page."""
    _panels[:] = [entry for entry in _panels if entry[1] != name]
    _panels.append((order, name, panel))
    _panels.sort(key=lambda entry: (entry[0], entry[1]))


def render_tender_panels(request: HttpRequest, tender: Tender) -> list[SafeString]:
    rendered = []
    for _order, _name, panel in _panels:
        html = panel(request, tender)
        if html:
            rendered.append(mark_safe(html))  # noqa: S308 - panels return rendered, escaped templates
    return rendered
