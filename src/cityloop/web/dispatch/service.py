"""Dispatcher workbench rules that span several cases: bulk actions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cityloop.cases import workflow
from cityloop.cases.schemas import ActionIn
from cityloop.kit.auth import Subject
from cityloop.kit.errors import DomainError

BULK_ACTIONS = ("dispatch", "approve_return", "invalidate")
MAX_BULK = 200


@dataclass
class BulkResult:
    """What a bulk action did: ids done, and (id, message) pairs that failed."""

    done: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def bulk(session: Session, subject: Subject, case_ids: list[int], action: str, body: ActionIn,
         lang: str = "zh") -> BulkResult:
    """Apply one action to many cases, each in its own transaction; failures do not stop the rest."""
    result = BulkResult()
    if action not in BULK_ACTIONS:
        return result
    for case_id in case_ids[:MAX_BULK]:
        try:
            workflow.perform(session, subject, case_id, action, body.model_copy())
        except DomainError as exc:
            session.rollback()
            result.failed.append((case_id, exc.en if lang == "en" else exc.zh))
        else:
            result.done.append(case_id)
    return result
