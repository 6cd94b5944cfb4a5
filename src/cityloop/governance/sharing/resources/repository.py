"""All SQL over resources."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.accounts.models import Unit
from cityloop.governance.sharing.resources.models import ShareResource


def all_resources(session: Session) -> list[ShareResource]:
    """Every resource by code (the catalogue is public to staff: it holds descriptions, never data)."""
    return list(session.scalars(select(ShareResource).order_by(ShareResource.code)))


def by_code(session: Session, code: str) -> ShareResource | None:
    """The resource with `code`."""
    return session.scalar(select(ShareResource).where(ShareResource.code == code))


def by_id(session: Session, resource_id: int) -> ShareResource | None:
    """The resource with `resource_id`."""
    return session.get(ShareResource, resource_id)


def unit(session: Session, unit_id: int) -> Unit | None:
    """The unit with `unit_id`."""
    return session.get(Unit, unit_id)


def unit_names(session: Session) -> dict[int, str]:
    """Every unit's name by id."""
    return dict(session.execute(select(Unit.id, Unit.name)).tuples().all())
