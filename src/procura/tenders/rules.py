"""Loading the jurisdiction's procedure rulebook: data, not code (ADR 0002).

The rulebook is a JSON file: Procura's default ships with the package; a jurisdiction points
`PROCURA_PROCEDURE_RULES` at its own. A tender stores the procedure rules it was published
under, so a new rulebook version never rewrites old tenders.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from procura.tenders.domain import ProcedureRules, Rulebook

DEFAULT_RULEBOOK = Path(__file__).resolve().parent / "rulebooks" / "default.json"


@cache
def _load(path: str) -> Rulebook:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Rulebook.from_json(data)
    except OSError as exc:
        raise ImproperlyConfigured(f"PROCURA_PROCEDURE_RULES: cannot read {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(f"PROCURA_PROCEDURE_RULES: {path} is not a valid rulebook: {exc}") from None


def current_rulebook() -> Rulebook:
    """The rulebook new tenders are created under."""
    return _load(str(getattr(settings, "PROCEDURE_RULES_FILE", "") or DEFAULT_RULEBOOK))


def snapshot(rulebook: Rulebook, procedure: str) -> dict[str, Any]:
    """What a tender stores: its procedure's rules and the rulebook-wide values it needs."""
    return {
        "jurisdiction": rulebook.jurisdiction,
        "version": rulebook.version,
        "currency": rulebook.currency,
        "amendment_minimum_days": rulebook.amendment_minimum_days,
        "procedure": rulebook.rules_for(procedure).as_json(),
    }


def rules_of(stored: dict[str, Any]) -> ProcedureRules:
    return ProcedureRules.from_json(stored["procedure"])
