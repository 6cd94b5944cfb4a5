"""Listeners told, inside the match's transaction, which (subject, policy) standings changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Change:
    """One subject's standing for one policy before and after a match (None: not eligible, not a near-miss)."""

    subject_kind: str  # enterprise | person
    subject_id: str
    policy_id: str
    before: str | None  # eligible | near_miss | None
    after: str | None
    failed: list[str] = field(default_factory=list)


Listener = Callable[[Session, Sequence[Change]], None]
LISTENERS: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Register a listener (notices, fulfilment); usable as a decorator."""
    if listener not in LISTENERS:
        LISTENERS.append(listener)
    return listener


def announce(session: Session, changes: Sequence[Change]) -> None:
    """Tell every listener, in the caller's transaction, so their writes commit or roll back with the match."""
    if changes:
        for listener in LISTENERS:
            listener(session, changes)
