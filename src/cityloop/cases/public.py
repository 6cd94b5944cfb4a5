"""What a citizen may see of a case with its number and lookup code, without logging in."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases import repository as repo
from cityloop.cases.models import Case
from cityloop.cases.states import STATE_META, State
from cityloop.kit.auth import SYSTEM
from cityloop.kit.errors import NotFound


def find(session: Session, number: str, code: str) -> Case:
    """The case if number and code match; the same error for both mistakes."""
    case = repo.case_by_number(session, SYSTEM, number.strip())
    # Bytes: compare_digest refuses str with non-ASCII characters, and anyone may type any code here.
    if case is None or not secrets.compare_digest(case.lookup_code.encode(), code.strip().upper().encode()):
        raise NotFound("工单编号或查询码不正确", "Wrong case number or lookup code")
    return case


def track(session: Session, number: str, code: str, lang: str = "zh") -> dict[str, Any]:
    """Public status of a case: state, dates and reply; no personal data, no internal notes."""
    case = find(session, number, code)
    state = State(case.state)
    label = STATE_META[state][1 if lang == "en" else 0]
    steps = [{"action": e.action, "at": e.at, "to_state": e.to_state} for e in repo.events_of(session, case.id)
             if e.actor_kind != "system" or e.action in {"auto_dispatch"}]
    return {"number": case.number, "title": case.title, "state": state, "state_label": label,
            "received_at": case.received_at, "deadline": case.deadline, "completed_at": case.completed_at,
            "reply": case.reply, "satisfaction": case.satisfaction, "steps": steps}
