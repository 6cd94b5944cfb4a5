"""Global search: what a dispatcher at 3 a.m. types into one box (a number, a phone, a few words)."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from cityloop.cases import service as cases
from cityloop.cases.models import Case, parse_case_number
from cityloop.cases.search import repository as repo
from cityloop.cases.search.schemas import SearchOut
from cityloop.kit.auth import Subject
from cityloop.kit.crypto import blind_index
from cityloop.kit.phones import normalize_phone

MAX_WORDS = 5
_CODE = re.compile(r"^[A-Za-z0-9]{6,12}$")


def search(session: Session, subject: Subject, q: str, limit: int = 20, lang: str = "zh") -> SearchOut:
    """Visible cases matching `q`; phone numbers are only looked up for roles that may see them."""
    q = q.strip()
    found: dict[int, tuple[Case, str]] = {}
    if not q:
        return SearchOut(q=q, items=[], matched_by=[])
    _add(found, _by_number(session, subject, q), "number")
    if _CODE.match(q) and subject.is_staff:
        _add(found, repo.by_lookup_code(session, subject, q.upper()), "lookup_code")
    phone = normalize_phone(q) if subject.sees_pii else None
    if phone:
        _add(found, repo.by_phone_index(session, subject, blind_index(phone) or "", limit), "phone")
    if len(found) < limit:
        words = q.split()[:MAX_WORDS]
        _add(found, repo.by_words(session, subject, words, limit), "words")
    hits = list(found.values())[:limit]
    page = cases.present_many(session, subject, [c for c, _ in hits], lang)
    return SearchOut(q=q, items=page, matched_by=[how for _, how in hits])


def _by_number(session: Session, subject: Subject, q: str) -> list[Case]:
    case_id = parse_case_number(q)
    case = repo.by_id(session, subject, case_id) if case_id is not None else None
    return [case] if case is not None and case.number == q else []


def _add(found: dict[int, tuple[Case, str]], rows: list[Case], how: str) -> None:
    for case in rows:
        found.setdefault(case.id, (case, how))
