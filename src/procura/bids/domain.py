"""Bid rules that need no database: statuses, the content of a bid, its questions, receipts' shape.

A bid's content is a small JSON document, sealed as a whole:

    {"price": {"amount": "1250.00", "currency": "EUR"} | null,
     "answers": {"eligibility": "...", "criterion-1": "..."},
     "qualifications": [{"id", "kind", "title", "sha256"}],
     "files": [{"id", "title", "file_name", "media_type", "size", "sha256"}]}

Its financial part is the price; the rest (answers, qualifications, files) is technical. A
two-envelope opening reads only the technical part; the price follows at the financial opening.

Receipts are signed over the canonical JSON of their payload (sorted keys, no spaces, UTF-8), so
anyone can check one with the platform's public key and nothing but a JSON parser and Ed25519.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from procura.core.money import Money, minor_units


def gettext_noop(message: str) -> str:
    """Marks a message for translation; services translate it."""
    return message


class BidStatus(StrEnum):
    DRAFT = "draft"  # never submitted
    SUBMITTED = "submitted"  # a sealed version counts (it may also have a working draft)
    WITHDRAWN = "withdrawn"


class ReceiptKind(StrEnum):
    SUBMISSION = "submission"
    REPLACEMENT = "replacement"
    WITHDRAWAL = "withdrawal"


RECEIPT_TYPE = "procura-bid-receipt"
RECEIPT_FORMAT_VERSION = 1
CONTENT_FORMAT_VERSION = 1
MAX_ANSWER_LENGTH = 20_000
MAX_FILES = 50


@dataclass(frozen=True)
class Question:
    """Something the bid must answer: the eligibility declaration or a quality criterion."""

    key: str
    label: str
    required: bool


@dataclass(frozen=True)
class CriterionFacts:
    position: int
    name: str
    kind: str  # price, cost or quality


def bid_questions(*, eligibility_criteria: str, criteria: Iterable[CriterionFacts]) -> list[Question]:
    """What a bid answers: a declaration against the eligibility criteria (when the tender has
    them) and a response to each quality criterion (price is the price itself)."""
    questions = []
    if eligibility_criteria.strip():
        questions.append(Question("eligibility", gettext_noop("How you meet the eligibility criteria"), True))
    for criterion in criteria:
        if criterion.kind == "quality":
            questions.append(Question(f"criterion-{criterion.position}", criterion.name, True))
    return questions


@dataclass(frozen=True)
class BidContent:
    """What a bid says. Amounts stay strings until checked, so a draft can hold what was typed."""

    price_amount: str = ""
    currency: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)
    qualifications: tuple[Mapping[str, Any], ...] = ()
    files: tuple[Mapping[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        price = {"amount": self.price_amount, "currency": self.currency} if self.price_amount else None
        return {
            "format": CONTENT_FORMAT_VERSION,
            "price": price,
            "answers": dict(self.answers),
            "qualifications": [dict(q) for q in self.qualifications],
            "files": [dict(f) for f in self.files],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BidContent:
        price = data.get("price") or {}
        return cls(
            price_amount=str(price.get("amount", "")),
            currency=str(price.get("currency", "")),
            answers={str(k): str(v) for k, v in dict(data.get("answers") or {}).items()},
            qualifications=tuple(dict(q) for q in data.get("qualifications") or ()),
            files=tuple(dict(f) for f in data.get("files") or ()),
        )

    def price(self) -> Money | None:
        if not self.price_amount:
            return None
        return Money(Decimal(self.price_amount), self.currency)


# The parts of a bid's content (keys of `BidContent.as_json`) that form its financial envelope.
FINANCIAL_PARTS = ("price",)


def technical_part(content: Mapping[str, Any]) -> dict[str, Any]:
    """The content without its financial envelope: what a two-envelope opening reads."""
    return {key: value for key, value in content.items() if key not in FINANCIAL_PARTS}


def financial_part(content: Mapping[str, Any]) -> dict[str, Any]:
    """Only the financial envelope of the content: what the financial opening adds."""
    return {key: content.get(key) for key in FINANCIAL_PARTS}


def price_problems(amount: str, *, currency: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Problems with a typed price in the tender's currency: (field, message, params)."""
    text = (amount or "").strip().replace(",", "")
    if not text:
        return []
    try:
        value = Decimal(text)
    except InvalidOperation:
        return [("price", gettext_noop("Enter the price as a number, such as 1250.00."), {})]
    if not value.is_finite() or value <= 0:
        return [("price", gettext_noop("The price must be more than zero."), {})]
    exponent = value.as_tuple().exponent
    digits = minor_units(currency)
    if isinstance(exponent, int) and -exponent > digits:
        return [
            (
                "price",
                gettext_noop("%(currency)s prices have at most %(digits)s decimal places."),
                {"currency": currency, "digits": digits},
            )
        ]
    if value >= Decimal("1e18"):
        return [("price", gettext_noop("The price is too large."), {})]
    return []


def normalise_price(amount: str) -> str:
    text = (amount or "").strip().replace(",", "")
    return f"{Decimal(text):f}" if text else ""


def completeness_problems(content: BidContent, questions: Iterable[Question]) -> list[tuple[str, str]]:
    """What stops a draft from being submitted: (field, message)."""
    problems: list[tuple[str, str]] = []
    if not content.price_amount:
        problems.append(("price", gettext_noop("Enter your price for this lot.")))
    for question in questions:
        if question.required and not content.answers.get(question.key, "").strip():
            problems.append((f"answers.{question.key}", gettext_noop("Answer this question.")))
    return problems


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes a receipt signature covers."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def may_show_bid_count(*, public_opening: bool, opened: bool) -> bool:
    """Before the opening, the number of bids is shown only where the procedure opens bids in
    public (the count then reveals nothing a bidder could use against a sealed bid); after it,
    always."""
    return opened or public_opening
