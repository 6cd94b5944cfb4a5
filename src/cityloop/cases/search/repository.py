"""All SQL of the global search; every query starts from the caller's scoped cases."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cityloop.cases.fulltext.index import matches
from cityloop.cases.models import Case
from cityloop.cases.repository import get_case, scoped_cases
from cityloop.kit.auth import Subject

RANK_WINDOW = 500


def by_id(session: Session, subject: Subject, case_id: int) -> Case | None:
    """One visible case."""
    return get_case(session, subject, case_id)


def by_lookup_code(session: Session, subject: Subject, code: str) -> list[Case]:
    """Visible cases with this tracking code (the code citizens quote on the phone)."""
    return list(session.scalars(scoped_cases(subject).where(Case.lookup_code == code).limit(5)))


def by_phone_index(session: Session, subject: Subject, index: str, limit: int) -> list[Case]:
    """Visible cases of one reporter phone, newest first."""
    stmt = scoped_cases(subject).where(Case.reporter_phone_index == index)
    return list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(limit)))


def by_words(session: Session, subject: Subject, words: list[str], limit: int) -> list[Case]:
    """Visible cases whose title or content holds every word: by relevance on PostgreSQL, then newest first."""
    found = matches(" ".join(words), session.get_bind().dialect.name)
    stmt = scoped_cases(subject)
    if found is None:  # no letters, digits or Chinese in the words: compare the text itself
        for word in words:
            stmt = stmt.where(Case.title.contains(word, autoescape=True) | Case.content.contains(word, autoescape=True))
        return list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(limit)))
    condition, rank = found
    newest = stmt.where(condition).order_by(Case.received_at.desc(), Case.id.desc())
    if rank is None:
        return list(session.scalars(newest.limit(limit)))
    # Relevance is computed over the newest RANK_WINDOW matches only: a common word matches a tenth of a 10 M-case
    # city, and ranking all of those would take seconds; a dispatcher searching wants the recent ones anyway.
    window = list(session.scalars(newest.with_only_columns(Case.id).limit(RANK_WINDOW)))
    ranked = scoped_cases(subject).where(Case.id.in_(window)).order_by(rank.desc(), Case.received_at.desc(),
                                                                        Case.id.desc())
    return list(session.scalars(ranked.limit(limit))) if window else []
