"""Supervisor board data: overdue and near-due cases grouped by unit and area, pending approvals, warnings."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from cityloop.accounts.notifications import repository as notices_repo
from cityloop.cases import repository as cases_repo
from cityloop.cases import service as cases
from cityloop.cases import workflow
from cityloop.cases.schemas import ActionIn, CaseOut
from cityloop.cases.states import State
from cityloop.kit.auth import Subject
from cityloop.kit.errors import ValidationFailed
from cityloop.web import queues
from cityloop.web.cockpit.data import slot_function

log = logging.getLogger("cityloop.web")
NEAR_DUE_HOURS = 24
_NOTICE_KIND = {"urge": "urged", "escalate": "escalated"}


@dataclass
class Board:
    """What the supervisor board shows."""

    overdue: list[CaseOut]
    overdue_total: int
    near_due: list[CaseOut]
    by_unit: list[tuple[str, int, int]]  # unit name, overdue, near-due
    by_area: list[tuple[str, int, int]]  # division code, overdue, near-due
    extensions: list[CaseOut]
    returns: list[CaseOut]
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _group(overdue: list[CaseOut], near: list[CaseOut], key: Any) -> list[tuple[str, int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in overdue:
        counts[key(c)][0] += 1
    for c in near:
        counts[key(c)][1] += 1
    return sorted(((k, v[0], v[1]) for k, v in counts.items()), key=lambda r: (-r[1], -r[2], r[0]))


def board(session: Session, subject: Subject, filters: dict[str, Any], lang: str) -> Board:
    """Assemble the board for the subject's area, optionally narrowed to a unit or division."""
    late = queues.overdue(session, subject, lang, filters)
    near = queues.due_soon(session, subject, NEAR_DUE_HOURS, lang, filters)
    working = cases.list_cases(session, subject, {**filters, "state": [State.HANDLING, State.SUSPENDED]},
                               0, 500, "deadline", lang).items
    returns = cases.list_cases(session, subject, {**filters, "state": [State.RETURN_REQUESTED]}, 0, 100,
                               "updated_at", lang).items
    def unit_of(c: CaseOut) -> str:
        return c.unit.name if c.unit else "—"

    def area_of(c: CaseOut) -> str:
        return str(c.location.get("division_code") or "—")

    return Board(overdue=late.items, overdue_total=late.total, near_due=near,
                 by_unit=_group(late.items, near, unit_of), by_area=_group(late.items, near, area_of),
                 extensions=[c for c in working if c.pending_extension], returns=returns,
                 warnings=warnings(session, subject))


def warnings(session: Session, subject: Subject) -> list[dict[str, Any]]:
    """Early-warning alerts once the intelligence module offers `intel.warnings.current(session, subject)` (slot)."""
    current = slot_function("cityloop.intel.alerts.service", "current")
    if current is None:
        return []
    try:
        return [w if isinstance(w, dict) else vars(w) for w in current(session, subject)]
    except Exception:  # a slot must never break the board
        log.warning("warnings slot failed", exc_info=True)
        return []


def act_on_alert(session: Session, subject: Subject, alert_id: int, action: str, note: str = "") -> bool:
    """Apply an alert action through the intelligence module; False when that module is not installed."""
    act = slot_function("cityloop.intel.alerts.service", "act")
    if act is None:
        return False
    from cityloop.intel.alerts.models import AlertAction  # present whenever the slot is

    try:
        chosen = AlertAction(action)
    except ValueError:
        raise ValidationFailed({"action": (f"未知操作 {action}", f"Unknown action {action}")}) from None
    act(session, subject, alert_id, chosen, note)
    return True


def request_reasons(session: Session, extensions: list[CaseOut], returns: list[CaseOut]) -> dict[int, str]:
    """The unit's reason for each pending extension or return, shown beside the approve buttons."""
    found = cases_repo.last_notes(session, [c.id for c in extensions], "request_extension")
    found.update(cases_repo.last_notes(session, [c.id for c in returns], "return"))
    return found


def noted_action(session: Session, subject: Subject, case_id: int, action: str, body: ActionIn) -> int:
    """Urge or escalate one case; how many people the in-app notice reached."""
    workflow.perform(session, subject, case_id, action, body)
    return notices_repo.latest_batch_size(session, case_id, _NOTICE_KIND[action])
