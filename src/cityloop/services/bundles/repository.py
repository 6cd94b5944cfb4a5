"""All SQL over bundles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cityloop.services.bundles.models import Bundle


def by_code(session: Session, code: str) -> Bundle | None:
    """An active bundle."""
    return session.scalars(select(Bundle).where(Bundle.code == code, Bundle.is_active.is_(True))).first()


def matching(session: Session, terms: Sequence[str], limit: int = 5) -> list[Bundle]:
    """Active bundles whose name or keywords contain any of `terms` (all when none)."""
    stmt = select(Bundle).where(Bundle.is_active.is_(True))
    if terms:
        stmt = stmt.where(or_(*[col.contains(t, autoescape=True) for t in terms
                                for col in (Bundle.name, Bundle.keywords)]))
    return list(session.scalars(stmt.order_by(Bundle.code).limit(limit)))


def all_codes(session: Session) -> set[str]:
    """Codes of every bundle."""
    return set(session.scalars(select(Bundle.code)))
