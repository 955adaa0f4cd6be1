"""Domain events: lower apps record what happened; higher apps subscribe, in the same transaction.

A service calls `record(SomethingHappened(...))` inside its transaction. Handlers registered by
higher apps (publication above all) run synchronously, so whatever they write commits or rolls
back with the change itself: nothing is published that did not happen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection

E = TypeVar("E", bound="DomainEvent")


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base class; subclasses are past-tense facts (`OrganisationRegistered`)."""


_handlers: dict[type[DomainEvent], list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def unsubscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    if handler in _handlers[event_type]:
        _handlers[event_type].remove(handler)


def record(event: DomainEvent) -> None:
    """Run every handler for the event (and its base classes) inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"{type(event).__name__} recorded outside a transaction")
    for event_type in type(event).__mro__:
        for handler in list(_handlers.get(event_type, ())):
            handler(event)
