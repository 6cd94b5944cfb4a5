"""All SQL over evaluations."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.services.evaluations.models import Evaluation


def of_application(session: Session, app_id: int) -> Evaluation | None:
    """The evaluation of an application, if rated."""
    return session.scalars(select(Evaluation).where(Evaluation.application_id == app_id)).first()
