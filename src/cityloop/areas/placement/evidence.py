"""Evidence for placing a text: exact division names and known local names, with what they may mean."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cityloop.areas.divisions.gazetteer import CITY, DISTRICT, FORMER, FULL, SHORT, TOWN, VARIANT, Gazetteer, Hit, scan
from cityloop.areas.placement.names import AMBIGUOUS, NAME_AFTER, Lexicon

# How much one exact mention is worth, by kind; a bare name (余杭, 鄞州) is weaker than a suffixed one.
_WEIGHT = {FULL: 0.95, FORMER: 0.9, VARIANT: 0.9, SHORT: 0.7}
_NAME_BASE, _NAME_STEP, _NAME_CAP = 0.8, 0.01, 0.95
# A place name followed by these words names an agency or a company, not where the problem is
# (杭州市水务投资发展有限公司, 宁波市城管局, 鄞州区人民政府). Function words end the name (鄞州区的路灯…公司).
_ORG_TAIL = re.compile(
    r"[^\W\d_的了在是有和与及到从对向我你他她这那个不也都就还被把给让说]{0,10}?"
    r"(?:有限责任公司|股份有限公司|有限公司|公司|集团|分局|局|委员会|管委会|办公室|政府|银行|法院|检察院|"
    r"支队|大队|派出所|协会|电视台|报社)"
)
# Anonymised division names (A市, B7县) stand for a real place we cannot know: never inside the scope.
# A lone letter before 区 is a block of an estate (电器城A区), not a district.
_ANONYMISED = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]\d{1,3}(?:市|区|县)|[A-Z]市)")
# A bare name ending in a water word is also a river's name (椒江, 奉化江): evidence only with a town under it.
_WATER_END = ("江", "河", "溪", "湖", "港", "塘", "浦")
# Bare district names that are ordinary words in an appeal (城东, 新城, 市中).
_GENERIC_CORE = re.compile(r"^[东南西北中新老城市郊区内外]+$")


@dataclass(frozen=True, slots=True)
class Clue:
    """One exact mention: its span, the divisions it may mean (within scope), its weight and kind."""

    start: int
    end: int
    text: str
    codes: tuple[str, ...]
    weight: float
    kind: str  # full | former | variant | short | name
    needs_support: bool = False  # bare town name or river-like district name: needs another clue on its chain


@dataclass(slots=True)
class Found:
    """Everything the text says: clues inside scope, names outside it, and names that are no evidence."""

    clues: list[Clue]
    outside: list[str]
    ignored: list[str]


def gather(gaz: Gazetteer, lexicon: Lexicon | None, text: str, within: str) -> Found:
    """Clues from exact division names and known local names; agency/company names and bare road stems skipped."""
    found = Found([], [], [])
    scanned = list(scan(gaz, text))
    ends = frozenset(end for _, end, _ in scanned)
    name_spans = list(lexicon.scan(text, ends)) if lexicon is not None else []
    found.outside += [m.group(0) for m in _ANONYMISED.finditer(text)]
    seen: set[str] = set()
    for start, end, hits in scanned:
        alias = text[start:end]
        if alias in seen:  # a name repeated in one text is no extra evidence
            continue
        seen.add(alias)
        if _ORG_TAIL.match(text, end):
            found.ignored.append(f"{alias}…(org)")
            continue
        bare_name_part = NAME_AFTER.match(text, end) is not None or _inside(start, end, name_spans)
        kept = tuple(h for h in hits if _usable(gaz, h, alias, bare_name_part))
        _add_division(gaz, found, start, end, alias, kept, within)
    for start, end, code in name_spans:
        _add_name(found, lexicon, start, end, text[start:end], code, within)
    return found


def _inside(start: int, end: int, spans: list[tuple[int, int, str]]) -> bool:
    """True if [start, end) lies inside a longer known local name."""
    return any(s <= start and end <= e and e - s > end - start for s, e, _ in spans)


def _usable(gaz: Gazetteer, hit: Hit, alias: str, bare_name_part: bool) -> bool:
    """A hit counts unless it is a bare name that starts a local name or is an ordinary word."""
    if hit.kind != SHORT:
        return True
    if bare_name_part:
        return False
    level = gaz.divisions[hit.code].level
    return not (level == DISTRICT and _GENERIC_CORE.match(alias))


def _in_scope(code: str, within: str) -> bool:
    """True if code is within's subtree (strictly below it)."""
    return code.startswith(within) and len(code) > len(within)


def _add_division(
    gaz: Gazetteer, found: Found, start: int, end: int, alias: str, hits: tuple[Hit, ...], within: str
) -> None:
    """Turn one scanned name into a clue (inside scope), an outside mention, or nothing (an ancestor of scope)."""
    if not hits:
        return
    inside = [h for h in hits if _in_scope(h.code, within)]
    top = max(_WEIGHT[h.kind] for h in hits)
    if any(within.startswith(h.code) and _WEIGHT[h.kind] >= top for h in hits):
        return  # 承德市 in a 承德 text is the city itself, not its namesake county 承德县 (a variant reading)
    if not inside:
        if _names_elsewhere(gaz, alias, hits):
            found.outside.append(alias)
        return
    strongest = max(_WEIGHT[h.kind] for h in inside)
    best = [h for h in inside if _WEIGHT[h.kind] == strongest]
    kind = best[0].kind
    needs_support = kind == SHORT and (
        all(gaz.divisions[h.code].level == TOWN for h in best) or alias.endswith(_WATER_END)
    )
    if kind == SHORT and all(gaz.divisions[h.code].level <= CITY for h in best):
        return  # a bare city or province name says nothing a district could be chosen by
    found.clues.append(Clue(start, end, alias, tuple(h.code for h in best), strongest, kind, needs_support))


def _names_elsewhere(gaz: Gazetteer, alias: str, hits: tuple[Hit, ...]) -> bool:
    """True if a name outside the scope surely names a place: a full or former county-or-higher name.

    温州市 in a Hangzhou text is another city's place. Not so 老城区 (a word, though Luoyang has one), 丰都市 in
    怡丰都市广场 (a variant), or 城关镇 (a town name repeated across the country, renamed locally).
    """
    if _GENERIC_CORE.match(alias[:-1]):
        return False
    return any(h.kind in (FULL, FORMER) and gaz.divisions[h.code].level <= DISTRICT for h in hits)


def _add_name(
    found: Found, lexicon: Lexicon | None, start: int, end: int, name: str, code: str, within: str
) -> None:
    """Turn one known local name into a clue, an outside mention, or an ignored (ambiguous or rare) name."""
    if code == AMBIGUOUS or lexicon is None:
        found.ignored.append(f"{name}(ambiguous)")
        return
    if not _in_scope(code, within):
        found.outside.append(name)
        return
    weight = min(_NAME_CAP, _NAME_BASE + _NAME_STEP * lexicon.counts.get(name, 0))
    found.clues.append(Clue(start, end, name, (code,), weight, "name"))
