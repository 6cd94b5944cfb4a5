"""Keeps each case's terms current, and the search condition (GIN on PostgreSQL, phrase LIKE on SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, event, func, literal_column, or_, text
from sqlalchemy.orm import Mapper

from cityloop.cases.fulltext.grams import RUN, grams, phrases
from cityloop.cases.models import Case

INDEX_NAME = "ix_cases_search_grams"  # PostgreSQL only, created by migration 0027 (not a model index)


@event.listens_for(Case, "before_insert")
def _index_new(_mapper: Mapper[Any], _conn: Any, case: Case) -> None:
    case.search_grams = grams(f"{case.title} {case.content}")


@event.listens_for(Case, "before_update")
def _index_edited(_mapper: Mapper[Any], _conn: Any, case: Case) -> None:
    # Only when the words changed: most updates move the state and must not redo (or even load) the terms.
    if _changed(case):
        case.search_grams = grams(f"{case.title} {case.content}")


def _changed(case: Case) -> bool:
    from sqlalchemy import inspect

    state = inspect(case)
    return any(state.attrs[name].history.has_changes() for name in ("title", "content"))


def _tsquery(words: list[list[str]]) -> str:
    return " & ".join(term for terms in words for term in terms)


def _words(query: str) -> list[str]:
    """The query's runs of Chinese, letters or digits, as typed (lower case), for the substring test."""
    return [run for run in RUN.findall(query.lower()) if not (len(run) == 1 and not run.isascii())]


def matches(query: str, dialect: str) -> tuple[ColumnElement[bool], ColumnElement[Any] | None] | None:
    """(condition, rank) finding cases that contain every word of `query`; None when it has no searchable word."""
    words = [w for w in phrases(query) if w]
    if not words:
        return None
    singles = _singles(words)
    indexed = [w for w in words if not _single(w)]
    plain = [_contains(c) for c in singles]
    if not indexed:
        return and_(*plain), None
    if dialect == "postgresql":
        vector = func.to_tsvector(literal_column("'simple'"), Case.search_grams)
        tsq = func.to_tsquery(literal_column("'simple'"), _tsquery(indexed))
        # Every pair must be in the row (the GIN index answers that without rechecking), and the word itself must
        # be in the text: a cheap test per row.
        exact = substring_match(query)
        return and_(vector.op("@@")(tsq), *([exact] if exact is not None else [])), func.ts_rank(vector, tsq)
    # SQLite: the terms of a word are adjacent in the stored text, so the phrase is a substring between spaces.
    padded = " " + Case.search_grams + " "
    return and_(*[padded.contains(" " + " ".join(t) + " ", autoescape=True) for t in indexed], *plain), None


def substring_match(query: str) -> ColumnElement[bool] | None:
    """Title or content holds every word of `query` as typed (Latin letters in any case): the exact test, which
    needs no index and so can filter the newest cases as they are walked."""
    words = [w for w in phrases(query) if w]
    exact = [or_(Case.title.icontains(w, autoescape=True), Case.content.icontains(w, autoescape=True))
             if w.isascii() else _contains(w) for w in _words(query)]
    exact += [_contains(c) for c in _singles(words)]
    return and_(*exact) if exact else None


def _single(word: list[str]) -> bool:
    # A lone Chinese character is a term only where it stood alone: look for it in the text itself.
    return len(word) == 1 and len(word[0]) == 1 and not word[0].isascii()


def _singles(words: list[list[str]]) -> list[str]:
    return [w[0] for w in words if _single(w)]


def _contains(text: str) -> ColumnElement[bool]:
    return or_(Case.title.contains(text, autoescape=True), Case.content.contains(text, autoescape=True))


def pg_index_sql() -> list[Any]:
    """DDL of the GIN index (used by the migration)."""
    return [text(f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON cases "
                 "USING gin (to_tsvector('simple'::regconfig, search_grams))")]
