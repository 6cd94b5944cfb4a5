"""All SQL over service places."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.services.places.models import Place


def by_code(session: Session, code: str) -> Place | None:
    """One place."""
    return session.scalars(select(Place).where(Place.code == code)).first()


def all_places(session: Session) -> list[Place]:
    """Every place, by level then code (the public list)."""
    return list(session.scalars(select(Place).order_by(Place.division_code, Place.code)))


def handling(session: Session, item_code: str) -> list[Place]:
    """Places whose windows handle an item (a short list: filtered in Python, JSON membership is not portable)."""
    return [p for p in all_places(session) if item_code in p.item_codes]
