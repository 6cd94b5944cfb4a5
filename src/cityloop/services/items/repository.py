"""All SQL over service items."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cityloop.services.items.models import ServiceItem, Synonym


def active(session: Session, code: str) -> ServiceItem | None:
    """The live version of an item."""
    stmt = select(ServiceItem).where(ServiceItem.code == code, ServiceItem.is_active.is_(True))
    return session.scalars(stmt).first()


def active_by_codes(session: Session, codes: Sequence[str]) -> dict[str, ServiceItem]:
    """Live versions of several items by code."""
    if not codes:
        return {}
    stmt = select(ServiceItem).where(ServiceItem.code.in_(codes), ServiceItem.is_active.is_(True))
    return {item.code: item for item in session.scalars(stmt)}


def matching(session: Session, terms: Sequence[str], limit: int) -> list[ServiceItem]:
    """Live items whose name or keywords contain any of `terms` (all live items when there are none)."""
    stmt = select(ServiceItem).where(ServiceItem.is_active.is_(True))
    if terms:
        stmt = stmt.where(or_(*[col.contains(t, autoescape=True) for t in terms
                                for col in (ServiceItem.name, ServiceItem.keywords)]))
    return list(session.scalars(stmt.order_by(ServiceItem.popularity.desc(), ServiceItem.code).limit(limit)))


def all_active(session: Session) -> list[ServiceItem]:
    """Every live item, by code (for export)."""
    return list(session.scalars(select(ServiceItem).where(ServiceItem.is_active.is_(True)).order_by(ServiceItem.code)))


def any_item(session: Session) -> bool:
    """True when the catalogue has any item."""
    return session.scalars(select(ServiceItem.id).limit(1)).first() is not None


def synonyms(session: Session) -> list[Synonym]:
    """The administrators' synonym entries, by phrase."""
    return list(session.scalars(select(Synonym).order_by(Synonym.phrase)))


def synonym(session: Session, phrase: str) -> Synonym | None:
    """One entry."""
    return session.scalars(select(Synonym).where(Synonym.phrase == phrase)).first()
