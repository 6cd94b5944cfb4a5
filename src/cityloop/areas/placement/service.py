"""Place free text on a division only on evidence: exact names, no fuzzy reading, abstain on conflict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cityloop.areas.divisions.gazetteer import Gazetteer, gazetteer, normalize
from cityloop.areas.placement.evidence import Clue, Found, gather
from cityloop.areas.placement.names import Lexicon

_MAX_CONFIDENCE = 0.99
_ANSWER_WIDTHS = (6, 9)  # district or town/street: never deeper than a town, never shallower than a district
# Falling back to a common parent (two towns of one district named) is an answer the text implies, not states.
_PARENT_FACTOR = 0.9


@dataclass(frozen=True, slots=True)
class PlaceResult:
    """Where a text is placed (None = abstained), how sure, the spans that say so, and why not when abstaining."""

    division_code: str | None
    confidence: float
    evidence: tuple[str, ...] = ()
    reason: str | None = None
    ignored: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON, CSV and case suggestions."""
        return asdict(self)


def place(text: str, *, within: str = "", lexicon: Lexicon | None = None, gaz: Gazetteer | None = None) -> PlaceResult:
    """The deepest division (district or town) under `within` that every mention in the text agrees on."""
    gaz = gaz or gazetteer()
    found = gather(gaz, lexicon, normalize(text or ""), within)
    ignored = tuple(found.ignored)
    if found.outside:
        return PlaceResult(None, 0.0, reason="outside " + (within or "scope") + ": " + "|".join(found.outside),
                           ignored=ignored)
    clues = _corroborated([_shallowest(c) for c in found.clues])
    answer, fallback = _answer(clues)
    if answer is None:
        return PlaceResult(None, 0.0, reason=_why_not(found, clues), ignored=ignored)
    support = [c for c in clues if any(_on_chain(answer, code) for code in c.codes)]
    return PlaceResult(answer, _confidence(support, fallback), tuple(c.text for c in support), ignored=ignored)


def _shallowest(clue: Clue) -> Clue:
    """A mention that may mean a district or a town inside it (余杭) means the district: no deeper than stated."""
    codes = tuple(c for c in clue.codes if not any(o != c and c.startswith(o) for o in clue.codes))
    return Clue(clue.start, clue.end, clue.text, codes, clue.weight, clue.kind, clue.needs_support)


def _corroborated(clues: list[Clue]) -> list[Clue]:
    """Bare names that need support kept only with another mention on their chain (鄞州姜山 yes, 姜山 alone no)."""
    strong = [c for c in clues if not c.needs_support]
    out = list(strong)
    for clue in clues:
        if not clue.needs_support:
            continue
        codes = tuple(t for t in clue.codes if any(_on_chain(t, o) and t != o for s in strong for o in s.codes))
        if codes:
            out.append(Clue(clue.start, clue.end, clue.text, codes, clue.weight, clue.kind))
    return out


def _on_chain(a: str, b: str) -> bool:
    """True if one code is the other or an ancestor of it."""
    return a.startswith(b) or b.startswith(a)


def _answer(clues: list[Clue]) -> tuple[str | None, bool]:
    """(deepest division every clue agrees with and exactly one fits at that depth, whether a parent was taken).

    Depth is read from the code width (6 district, 9 town), so learned names of local divisions work too.
    """
    named = {code for clue in clues for code in clue.codes}
    candidates = {code[:width] for code in named for width in _ANSWER_WIDTHS if len(code) >= width}
    agreed = [d for d in candidates if all(any(_on_chain(d, c) for c in clue.codes) for clue in clues)]
    for width in sorted({len(d) for d in agreed}, reverse=True):
        at_width = [d for d in agreed if len(d) == width]
        if len(at_width) == 1:
            return at_width[0], width < max(len(c) for c in named)
    return None, False


def _confidence(support: list[Clue], fallback: bool) -> float:
    """Independent mentions combine (1 − Π(1 − w)), shared between the readings a mention allows."""
    miss = 1.0
    for clue in support:
        miss *= 1.0 - clue.weight / len(clue.codes)
    value = min(_MAX_CONFIDENCE, 1.0 - miss)
    return round(value * _PARENT_FACTOR if fallback else value, 3)


def _why_not(found: Found, clues: list[Clue]) -> str:
    """Why no answer: nothing found, bare town names alone, only names above district level, or disagreement."""
    if not clues:
        return "no place named" if not found.clues else "only bare town names without their district"
    if all(len(c) < min(_ANSWER_WIDTHS) for clue in clues for c in clue.codes):
        return "named only above district level: " + "|".join(c.text for c in clues)
    return "conflicting: " + "|".join(c.text for c in clues)
