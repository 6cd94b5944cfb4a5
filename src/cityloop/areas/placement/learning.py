"""Learn local names from confirmed cases, and build the lexicon placement reads (learned + registry names)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy.orm import Session

from cityloop.areas.placement import repository as repo
from cityloop.areas.placement.names import Lexicon, names_in
from cityloop.config import get_settings
from cityloop.kit.table_cache import TableCache

_MIN_REGISTRY_NAME = 3  # two-character POI names (银泰, 万达) are brands found in many places


def division_of_name(code: str) -> str:
    """Names are placed at town level at most: a community code (12 digits) counts for its town."""
    return code[:9] if len(code) >= 9 else code[:6]


def count_names(cases: Iterable[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """(name, division) → cases mentioning it, one count per case, from (text, division) pairs."""
    counts: Counter[tuple[str, str]] = Counter()
    for text, division in cases:
        for name in names_in(text):
            counts[(name, division_of_name(division))] += 1
    return counts


def learn(session: Session, min_cases: int | None = None) -> tuple[int, int]:
    """Recount local names over confirmed cases and store those seen at least N times; (cases read, names kept)."""
    threshold = min_cases or get_settings().placement_min_cases
    pairs: list[tuple[str, str]] = []
    for title, content, address, division, suggestions in repo.confirmed_cases(session):
        placed = suggestions.get("placement")
        if isinstance(placed, dict) and placed.get("applied"):
            continue  # placed from its own text: learning from it would only echo the placer
        pairs.append(("。".join((title, content, address)), division))
    counts = count_names(pairs)
    totals: Counter[str] = Counter()
    for (name, _), n in counts.items():
        totals[name] += n
    kept = [(name, division, n) for (name, division), n in counts.items() if totals[name] >= threshold]
    stored = repo.replace_names(session, sorted(kept))
    session.commit()
    _cache.invalidate()
    return len(pairs), stored


def _build(session: Session) -> Lexicon:
    """Learned names plus the registries' names (one registry entry is authoritative, so it counts as N)."""
    threshold = get_settings().placement_min_cases
    sightings = repo.learned_names(session)
    sightings += [(name, division_of_name(division), threshold) for name, division in repo.registry_names(session)
                  if len(name) >= _MIN_REGISTRY_NAME]
    return Lexicon.build(sightings, threshold)


_cache: TableCache[Lexicon] = TableCache(repo.fingerprint, _build)


def lexicon_for(session: Session) -> Lexicon:
    """The lexicon of this database, rebuilt when learned names or registries change."""
    return _cache.get(session)
