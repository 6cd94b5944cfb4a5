"""Advice on a unit's reply while it is written, from the reply-quality scorer of the intelligence module."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cityloop.cases import service as cases
from cityloop.config import get_settings
from cityloop.intel import reply_quality
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow


def hints(session: Session, subject: Subject, case_id: int, reply: str) -> list[dict[str, str]]:
    """zh/en hints for a reply to a case the subject may see (NotFound otherwise)."""
    case = cases.get_case(session, subject, case_id)
    if not reply.strip():
        return []
    message = f"{case.title}。{case.content}"
    found = reply_quality.hints(message, reply, case.received_at.date(), utcnow().date())
    least = get_settings().reply_min_chars
    if sum(ch.isalnum() for ch in reply) < least:
        found.insert(0, {"code": "too_short", "zh": f"至少写 {least} 个字，说明处理结果", "en":
                         f"Write at least {least} characters about the result"})
    return found
