"""Suggestion slots of the consoles: category, unit and duplicate candidates.

Each slot first asks the hooks other modules register (intake.suggesters for categories; routing for units) and
falls back to a simple local method, so pages work before the intelligence module lands and improve after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from cityloop.cases import intake, routing
from cityloop.cases import repository as cases_repo
from cityloop.cases import service as cases
from cityloop.cases.schemas import CaseIn, CaseOut
from cityloop.cases.states import OPEN_STATES, State
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow
from cityloop.web import lookup_service

log = logging.getLogger("cityloop.web")
DUPLICATE_WINDOW = timedelta(days=30)
DUPLICATE_MIN_SCORE = 55.0
_MERGEABLE = frozenset(str(s) for s in OPEN_STATES | {State.COMPLETED})


@dataclass(frozen=True)
class CategoryHint:
    """A suggested category with a score in [0, 1] and where it came from."""

    code: str
    name: str
    score: float
    source: str


@dataclass(frozen=True)
class DuplicateHint:
    """An earlier case that may be the same problem."""

    case: CaseOut
    score: float
    evidence: dict[str, Any] | None = None


def suggest_categories(session: Session, title: str, content: str, limit: int = 3) -> list[CategoryHint]:
    """Categories for a text being typed: registered suggesters first, then keyword matches."""
    text = f"{title} {content}".strip()
    if len(text) < 2:
        return []
    names = {code: name for code, name, _kw in lookup_service.category_keywords(session)}
    hints = _from_hooks(session, title, content, names)
    seen = {h.code for h in hints}
    for code, name, keywords in lookup_service.category_keywords(session):
        hits = [k for k in keywords if k in text]
        if hits and code not in seen:
            hints.append(CategoryHint(code, name, min(1.0, 0.4 + 0.2 * len(hits)), "keywords"))
    return sorted(hints, key=lambda h: -h.score)[:limit]


def _from_hooks(session: Session, title: str, content: str, names: dict[str, str]) -> list[CategoryHint]:
    if not intake.suggesters:
        return []
    try:
        probe = CaseIn(channel="hotline", appeal_type="complain", title=title[:200] or "--",
                       content=content or title or "--")
    except ValueError:
        return []
    hints = []
    for suggester in intake.suggesters:
        try:
            code, evidence = suggester(session, probe)
        except Exception:  # a slot must never break the form
            log.warning("category suggester failed", exc_info=True)
            continue
        for cand in _candidates(code, evidence):
            if cand[0] in names:
                hints.append(CategoryHint(cand[0], names[cand[0]], cand[1], "model"))
    return hints


def _candidates(code: str | None, evidence: dict[str, Any]) -> list[tuple[str, float]]:
    # Suggesters may return top-k candidates as [{"code", "probability"}] or [(code, p)] in their evidence.
    out: list[tuple[str, float]] = []
    for item in evidence.get("candidates", []) or []:
        if isinstance(item, dict) and item.get("code"):
            out.append((str(item["code"]), float(item.get("probability") or item.get("score") or 0.5)))
        elif isinstance(item, list | tuple) and len(item) == 2:
            out.append((str(item[0]), float(item[1])))
    if code and code not in {c for c, _ in out}:
        out.insert(0, (code, float(evidence.get("probability") or 0.9)))
    return out


def suggest_unit(session: Session, case: CaseOut) -> int | None:
    """The unit the responsibility list names for the case's category and area."""
    if not case.category:
        return None
    version_id = case.category.get("version_id")
    route = routing.route(session, version_id, case.category.get("code"), case.location.get("division_code") or "",
                          case.appeal_type)
    return route.unit_id


def duplicate_candidates(session: Session, subject: Subject, title: str, content: str,
                         division_code: str | None, category_code: str | None = None,
                         exclude_id: int | None = None, limit: int = 5) -> list[DuplicateHint]:
    """Recent open cases nearby whose text is similar (fuzzy token match on title and content)."""
    if len(title.strip()) < 2:
        return []
    filters: dict[str, Any] = {"state": sorted(_MERGEABLE),
                               "received_from": utcnow() - DUPLICATE_WINDOW}
    if division_code:
        filters["division_code"] = division_code[:6]
    if category_code:
        filters["category_code"] = category_code
    page = cases.list_cases(session, subject, filters, 0, 200)
    scored = []
    for item in page.items:
        if item.id == exclude_id:
            continue
        # Character-level similarity: Chinese text has no spaces, so token-based ratios would not help.
        score = max(fuzz.ratio(title, item.title), fuzz.ratio(content[:120], item.content[:120]) if content else 0)
        if score >= DUPLICATE_MIN_SCORE:
            scored.append(DuplicateHint(item, round(score, 1)))
    return sorted(scored, key=lambda d: -d.score)[:limit]


def case_duplicates(session: Session, subject: Subject, case: CaseOut, lang: str = "zh",
                    limit: int = 5) -> list[DuplicateHint]:
    """Candidates found by the intake screener (with evidence) first, then recent look-alikes by fuzzy match."""
    hints = []
    for found in (case.suggestions or {}).get("duplicates", [])[:limit]:
        other = cases_repo.get_case(session, subject, int(found["case_id"]))
        if other is None or other.state not in _MERGEABLE:
            continue  # outside the caller's area, or closed since
        hints.append(DuplicateHint(cases.present(session, subject, other, lang),
                                   round(100 * float(found["similarity"]), 1), found))
    seen = {h.case.id for h in hints}
    fuzzy = duplicate_candidates(session, subject, case.title, case.content, case.location.get("division_code"),
                                 (case.category or {}).get("code"), exclude_id=case.id, limit=limit)
    return (hints + [h for h in fuzzy if h.case.id not in seen])[:limit]


def active_version_id(session: Session) -> int | None:
    """Id of the taxonomy version in force."""
    version = cases_repo.active_version(session)
    return version.id if version else None
