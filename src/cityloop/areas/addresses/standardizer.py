"""Chinese address standardiser: free text → division levels, road/number/POI details, division code."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Protocol, TypedDict

from rapidfuzz import fuzz, process

from cityloop.areas.divisions.gazetteer import (
    CITY,
    DISTRICT,
    FORMER,
    FULL,
    LEVEL_NAMES,
    PROVINCE,
    SHORT,
    TOWN,
    VARIANT,
    Gazetteer,
    gazetteer,
    normalize,
    scan,
)

# Evidence weight per hit kind; short aliases are weak because two characters often mean something else.
_WEIGHT = {FULL: 1.0, FORMER: 0.9, VARIANT: 0.8, SHORT: 0.6}
# A short alias standing alone (no parent level in the text) is weaker still: 城区, 朝阳 …
_LONE_SHORT = 0.3
# A short alias that starts a road or estate name (百官路, 骆驼公园) is weak evidence: it never resolves on its own,
# but under a district the text already names, roads are usually named after the town they run through.
_ROAD_LIKE = 0.3
_ROAD = "road"
_HINT_BONUS = 0.3
# A short alias followed by these starts a road or place name (五常大道, 花园小区, 东湖南路), so it is only weak
# evidence (_ROAD_LIKE). No ^ anchor: Pattern.match(text, pos) already anchors at pos, and ^ would never match there.
_NOT_AFTER_SHORT = re.compile(
    r"[东南西北中]?(?:大道|大街|路|街|巷|弄)|(?:村|社区|小区|花园|公寓|大厦|广场|新村|中学|小学|公园|苑|府|湾)"
)
_LEVEL_SUFFIX = {DISTRICT: "区县市旗", CITY: "市州盟", TOWN: "镇乡道"}
# Fuzzy matches must beat these rapidfuzz ratios: one typo in a 3-character county name scores 67, but towns
# are many, renamed and merged often, so one wrong character in 3 there is as likely another place.
_FUZZY_CUTOFF = {CITY: 60.0, DISTRICT: 60.0, TOWN: 74.0}
_ANON = re.compile(r"([A-Z]{1,2}\d{0,3})(市|区|县|镇|乡|街道)")
_LEADING_NOISE = re.compile(r"^(?:中华人民共和国|中国)")
_ROAD_END = re.compile(r"(大道|大街|胡同|公路|路|街(?!道)|巷)")
_ROAD_STOP = set("区县市镇乡村号苑园厦0123456789,，、()（）#-")
# Estate and building words end a POI, so a road name never reaches back across them (宝龙城市广场|澳门街).
_POI_ENDINGS = ("广场", "大厦", "小区", "花园", "中心", "公寓", "市场", "大楼")
_NUMBER = re.compile(r"^([东南西北中]段)?(\d+(?:[-之]\d+)?(?:号|弄)?)")
_BUILDING = re.compile(r"(\d+|[一二三四五六七八九十百]+)(?:栋|幢|号楼|座|号房)")
_UNIT = re.compile(r"(\d+|[一二三四五六七八九十]+)单元")
_ROOM = re.compile(r"(\d+)(?:室|房)|(\d{3,5})$")
_DASHED = re.compile(r"(\d+)-(\d+)(?:-(\d+))?")
_POI = re.compile(r"^[^\d\-]+?(?=[\d\-]|[一二三四五六七八九十]+[栋幢楼层单]|$)")
_COMMUNITY = re.compile(r"^(.{2,8}?(?:社区|村委会|居委会|村))")


@dataclass(frozen=True, slots=True)
class StandardAddress:
    """A standardised address: canonical division names, details, code, confidence and why if unresolved."""

    text: str
    province: str | None = None
    city: str | None = None
    district: str | None = None
    town: str | None = None
    community: str | None = None
    road: str | None = None
    number: str | None = None
    poi: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    division_code: str | None = None
    confidence: float = 0.0
    reason: str | None = None
    lng: float | None = None
    lat: float | None = None
    grid_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON and CSV output."""
        return asdict(self)


class Geocoder(Protocol):
    """Anything that attaches a point and grid to a standardised address (address_table.AddressTable)."""

    def geocode(self, address: StandardAddress) -> StandardAddress:
        """The address with lng/lat/grid_code filled when a standard address matches."""
        ...


@dataclass(slots=True)
class _Support:
    """Best evidence found for one division: weight and where in the text."""

    weight: float
    start: int
    end: int
    kind: str


_NO_SUPPORT = _Support(0.0, -1, -1, "")


@dataclass(slots=True)
class _Resolution:
    """Chosen division chain plus the facts the confidence and reason are built from."""

    code: str | None
    support: dict[str, list[_Support]]
    alternatives: int
    fuzzy_note: str | None = None


def _collect(gaz: Gazetteer, text: str) -> dict[str, list[_Support]]:
    """Every piece of support per division code over all alias matches in the text."""
    support: dict[str, list[_Support]] = {}
    seen: set[str] = set()
    for start, end, hits in scan(gaz, text):
        if text[start:end] in seen:  # a name repeated by pasted text (西岸村西岸路) is no extra evidence
            continue
        seen.add(text[start:end])
        road_like = _NOT_AFTER_SHORT.match(text, end) is not None
        for hit in hits:
            if hit.kind == SHORT and road_like:
                found = _Support(_ROAD_LIKE, start, end, _ROAD)
            else:
                found = _Support(_WEIGHT[hit.kind], start, end, hit.kind)
            support.setdefault(hit.code, []).append(found)
    return support


def _chain_score(gaz: Gazetteer, code: str, support: dict[str, list[_Support]], within: str | None) -> float:
    """Sum of evidence over a division and its ancestors, each text span counted once."""
    spans: dict[tuple[int, int], _Support] = {}
    for c in gaz.divisions[code].chain:
        for found in support.get(c, ()):
            if found.weight > spans.get((found.start, found.end), _NO_SUPPORT).weight:
                spans[(found.start, found.end)] = found
    score = sum(s.weight for s in spans.values())
    if len(spans) == 1:
        score = _lone_score(gaz.divisions[code].level, next(iter(spans.values())), score)
    if within and code.startswith(within):
        score += _HINT_BONUS
    return score


def _lone_score(level: int, found: _Support, score: float) -> float:
    """Score of a division named by one short alias and nothing else (下沙…, 魏家坡巷, 义乌…)."""
    if found.kind == _ROAD:
        return 0.0
    if found.kind != SHORT:
        return score
    if level == TOWN:  # a bare town alias is noise unless the address starts with it (下沙月雅路)
        return _LONE_SHORT if found.start == 0 else 0.0
    return _LONE_SHORT


def _choose(gaz: Gazetteer, support: dict[str, list[_Support]], within: str | None) -> tuple[str | None, int]:
    """Best-scoring division and how many others at its level score the same."""
    if not support:
        return None, 0
    scored = sorted(
        (
            (round(_chain_score(gaz, c, support, within), 6), gaz.divisions[c].level, support[c][0].start, c)
            for c in support
        ),
        # on a tie the higher level wins (东城区 is a district first), then the name written first
        key=lambda t: (-t[0], t[1], t[2], t[3]),
    )
    top_score, top_level, _, top = scored[0]
    if top_score <= 0:
        return None, 0
    tied = [c for s, _, _, c in scored[1:] if s == top_score]
    town = _eponymous_town(gaz, top, tied, support)
    if town is not None:
        return town, 0
    ties = sum(1 for s, lvl, _, _ in scored[1:] if s == top_score and lvl == top_level)
    return top, ties


def _eponymous_town(gaz: Gazetteer, top: str, tied: list[str], support: dict[str, list[_Support]]) -> str | None:
    """The town a district is named after, when the text names that district by a former name.

    A new district named after its seat town (临平区 after 临平街道) is written by its old parent in older
    addresses (余杭区临平…), and then the bare name is the town, not the district.
    """
    if gaz.divisions[top].level != DISTRICT or not any(s.kind == FORMER for s in support[top]):
        return None
    return next((c for c in tied if gaz.divisions[c].parent == top), None)


def _fuzzy_windows(text: str, support: dict[str, list[_Support]], suffixes: str) -> list[str]:
    """Unexplained 3–5 character windows ending in a level suffix (佘杭区, 台卅市) to try fuzzily."""
    covered = {i for found in support.values() for s in found for i in range(s.start, s.end)}
    out = []
    for pos, char in enumerate(text):
        if char in suffixes and pos not in covered:
            extra = 1 if char == "道" else 0  # 街道 is two characters
            out += [
                text[pos - k - extra : pos + 1]
                for k in (2, 3)
                if pos - k - extra >= 0 and pos - k - extra not in covered
            ]
    return out


@lru_cache(maxsize=8192)
def _cached_child_names(parent: str, level: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Child names of the shared gazetteer, cached per parent and level."""
    return _child_names(gazetteer(), parent, level)


def _child_names(gaz: Gazetteer, parent: str, level: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names, codes) of divisions at a level below a parent code, for fuzzy matching."""
    found, frontier = [], [parent]
    while frontier:  # walk the child lists down to the level instead of filtering all 40k towns per parent
        kids = [k for c in frontier for k in gaz.children.get(c, ())]
        found += [k for k in kids if gaz.divisions[k].level == level and gaz.divisions[k].name]
        frontier = [k for k in kids if gaz.divisions[k].level < level]
    codes = tuple(sorted(found))
    return tuple(gaz.divisions[c].name for c in codes), codes


def _fuzzy_extend(gaz: Gazetteer, text: str, res: _Resolution) -> None:
    """Try one more level with rapidfuzz under the chosen division (typos such as 佘杭区, 鄞卅区)."""
    div = gaz.get(res.code)
    if div is None or div.level >= TOWN:
        return
    # under a province the next name may be a city or, skipping the city, a county (浙江省佘杭区, 浙江省乐青市)
    for level in (CITY, DISTRICT) if div.level == PROVINCE else (div.level + 1,):
        best = _fuzzy_best(gaz, div.code, level, _fuzzy_windows(text, res.support, _LEVEL_SUFFIX[level]))
        if best is not None:
            code, name, score, window = best
            start = text.find(window)
            res.support[code] = [_Support(0.5 * score / 100, start, start + len(window), "fuzzy")]
            res.code = code
            res.fuzzy_note = f"fuzzy: {window} → {name} ({score:.0f})"
            return


def _fuzzy_best(gaz: Gazetteer, parent: str, level: int, windows: list[str]) -> tuple[str, str, float, str] | None:
    """(code, name, score, window) of the child at a level that best matches one of the windows."""
    if not windows:
        return None
    shared = gaz is gazetteer()
    names, codes = _cached_child_names(parent, level) if shared else _child_names(gaz, parent, level)
    best: tuple[str, str, float, str] | None = None
    for window in windows:
        found = process.extractOne(window, names, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF[level])
        if found and (best is None or found[1] > best[2]):
            best = (codes[found[2]], found[0], found[1], window)
    return best


def _resolve(gaz: Gazetteer, text: str, within: str | None) -> _Resolution:
    """Pick the division chain best supported by the text, then try fuzzy matching one level further."""
    support = _collect(gaz, text)
    code, ties = _choose(gaz, support, within)
    res = _Resolution(code, support, ties)
    if code is not None:
        res.support = {c: s for c, s in support.items() if c in gaz.divisions[code].chain}
        _fuzzy_extend(gaz, text, res)
    return res


def _detail_text(text: str, res: _Resolution) -> str:
    """Text after the last span that named a division of the chosen chain (a road named after one is detail)."""
    end = max((s.end for found in res.support.values() for s in found if s.kind != _ROAD), default=0)
    return text[end:]


def _road(rest: str) -> tuple[str | None, str | None, str, str]:
    """(road, number, text before the road, text after the number)."""
    match = _ROAD_END.search(rest)
    if not match:
        return None, None, rest, ""
    start = match.start()
    while start > 0 and rest[start - 1] not in _ROAD_STOP and match.start() - start < 7:
        if rest[:start].endswith(_POI_ENDINGS):
            break
        start -= 1
    if start == match.start():
        return None, None, rest, ""
    after = rest[match.end() :]
    number = _NUMBER.match(after)
    if number:
        after = after[number.end() :]
    return rest[start : match.end()], number.group(2) if number else None, rest[:start], after


class _UnitParts(TypedDict):
    """Building, unit and room parts of an address."""

    building: str | None
    unit: str | None
    room: str | None


class _Details(_UnitParts):
    """Everything below the division levels."""

    community: str | None
    road: str | None
    number: str | None
    poi: str | None


def _details(rest: str) -> _Details:
    """Community, road, number, POI, building, unit and room from the text after the divisions."""
    community_match = _COMMUNITY.match(rest)
    community = community_match.group(1) if community_match else None
    if community and _ROAD_END.search(community):
        community = None
    if community:
        rest = rest[len(community) :]
    road, number, before, after = _road(rest)
    tail = after if road else rest
    poi_match = _POI.match(tail)
    poi = poi_match.group(0) if poi_match else None
    if not poi and before and not road:
        poi = before
    parts = _unit_parts(tail)
    return _Details(community=community, road=road, number=number, poi=poi or None, **parts)


def _unit_parts(tail: str) -> _UnitParts:
    """Building, unit and room, from 3栋2单元501室 or the dashed form 47-6-746."""
    building = _BUILDING.search(tail)
    unit = _UNIT.search(tail)
    room = _ROOM.search(tail)
    dashed = _DASHED.search(tail)
    out = _UnitParts(
        building=building.group(1) if building else None,
        unit=unit.group(1) if unit else None,
        room=(room.group(1) or room.group(2)) if room else None,
    )
    if dashed and not building:
        parts = [p for p in dashed.groups() if p]
        out["building"] = parts[0]
        out["room"] = parts[-1]
        if len(parts) == 3:
            out["unit"] = parts[1]
    return out


def _names(gaz: Gazetteer, code: str | None) -> dict[str, str | None]:
    """Canonical name per level along the chain of a division code."""
    out: dict[str, str | None] = {name: None for name in LEVEL_NAMES.values()}
    div = gaz.get(code)
    if div is None:
        return out
    for c in div.chain:
        out[LEVEL_NAMES[gaz.divisions[c].level]] = gaz.display_name(c)
    return out


def _confidence(gaz: Gazetteer, res: _Resolution, details: _Details) -> float:
    """Confidence in [0, 1] from depth reached, strength of evidence, ambiguity and detail found."""
    div = gaz.get(res.code)
    if div is None:
        return 0.05 if not (details["road"] or details["poi"]) else 0.1
    weights = [max(s.weight for s in found) for found in res.support.values()] or [0.0]
    evidence = min(1.0, sum(weights) / len(weights))
    depth = div.level / TOWN
    clarity = 1.0 / (1 + res.alternatives)
    has_detail = 1.0 if details["road"] or details["poi"] else 0.0
    return round(min(1.0, 0.3 * depth + 0.4 * evidence + 0.2 * clarity + 0.1 * has_detail), 3)


def _reason(gaz: Gazetteer, res: _Resolution, anonymised: bool) -> str | None:
    """Why the address is not fully resolved (None when resolved unambiguously to district level or below)."""
    div = gaz.get(res.code)
    notes: list[str] = []
    if div is None:
        notes.append("anonymised place names have no division code" if anonymised else "no division name found")
    elif div.level < DISTRICT:
        notes.append(f"resolved only to {LEVEL_NAMES[div.level]} level")
    if div is not None and res.alternatives:
        notes.append(f"ambiguous: {res.alternatives + 1} divisions fit equally, picked {div.name} ({div.code})")
    if res.fuzzy_note:
        notes.append(res.fuzzy_note)
    return "; ".join(notes) or None


def _anonymised(text: str) -> tuple[dict[str, str | None], int]:
    """Levels named in anonymised form (A市A3区) and where that part of the text ends."""
    slots = {"市": "city", "区": "district", "县": "district", "镇": "town", "乡": "town", "街道": "town"}
    names: dict[str, str | None] = {name: None for name in LEVEL_NAMES.values()}
    end = 0
    for match in _ANON.finditer(text):
        if match.start() > max(end, 4):  # B区 deep inside an address is a block of an estate, not a district
            break
        if names[slots[match.group(2)]] is None:
            names[slots[match.group(2)]] = match.group(0)
            end = match.end()
    return names, end


def _last_address(gaz: Gazetteer, text: str) -> str:
    """The last of several pasted addresses: 宁波市余姚市中国浙江省丽水市遂昌县… keeps 浙江省丽水市遂昌县…."""
    idx = text.rfind("中国")
    if idx > 0:
        tail = text[idx + 2 :]
        found = _leading_province(gaz, tail)
        # 民熔中国浙江仓库 is a company name: a pasted address goes on below the province
        if found and _names_below(gaz, tail[found[1] :], found[0]):
            return tail
    return _after_pasted_province(gaz, text)


def _leading_province(gaz: Gazetteer, text: str) -> tuple[str, int] | None:
    """(province code, length) of a province alias at the start of the text."""
    for length in range(2, 9):
        for hit in gaz.lookup(text[:length]):
            if gaz.divisions[hit.code].level == PROVINCE:
                return hit.code, length
    return None


def _after_pasted_province(gaz: Gazetteer, text: str) -> str:
    """织金县浙江省斜桥镇… keeps 浙江省斜桥镇… when a later province name is followed by one of its towns."""
    for suffix in ("省", "自治区"):
        end = text.rfind(suffix) + len(suffix)
        for length in range(len(suffix) + 2, len(suffix) + 5):
            start = end - length
            if start <= 0:
                break
            hits = [h for h in gaz.lookup(text[start:end]) if gaz.divisions[h.code].level == PROVINCE]
            if hits and _names_below(gaz, text[end:], hits[0].code, TOWN):
                return text[start:]
    return text


def _names_below(gaz: Gazetteer, text: str, province: str, level: int = CITY) -> bool:
    """True if the text names a division of a province at a level or below by a suffixed name (not a bare alias)."""
    return any(
        hit.kind != SHORT and hit.code.startswith(province) and gaz.divisions[hit.code].level >= level
        for _, _, hits in scan(gaz, text)
        for hit in hits
    )


def standardize(
    text: str, *, within: str | None = None, gaz: Gazetteer | None = None, table: Geocoder | None = None
) -> StandardAddress:
    """Parse and standardise one address; `within` is a code prefix to prefer, `table` geocodes the result."""
    gaz = gaz or gazetteer()
    clean = _last_address(gaz, _LEADING_NOISE.sub("", normalize(text or "")))
    anon_names, anon_end = _anonymised(clean)
    if anon_end:  # anonymised text (A市A3区) names no real place; anything after it is detail
        res = _Resolution(None, {}, 0)
        names, rest = anon_names, clean[anon_end:]
    else:
        res = _resolve(gaz, clean, within)
        names, rest = _names(gaz, res.code), _detail_text(clean, res)
    details = _details(rest)
    div = gaz.get(res.code)
    result = StandardAddress(
        text=text,
        province=names["province"],
        city=names["city"],
        district=names["district"],
        town=names["town"],
        **details,
        division_code=div.code12 if div else None,
        confidence=_confidence(gaz, res, details),
        reason=_reason(gaz, res, bool(anon_end)),
    )
    return table.geocode(result) if table is not None else result
