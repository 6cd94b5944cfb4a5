"""In-memory gazetteer of Chinese divisions (province to township) with an alias index for address parsing."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

PROVINCE, CITY, DISTRICT, TOWN = 1, 2, 3, 4
LEVEL_NAMES = {PROVINCE: "province", CITY: "city", DISTRICT: "district", TOWN: "town"}

# Hit kinds, strongest first; the parser weighs evidence by kind.
FULL, FORMER, VARIANT, SHORT = "full", "former", "variant", "short"

# Placeholder cities under municipalities and province-administered county groups carry no real name.
_PLACEHOLDER_CITIES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_BARE_SUFFIXES = frozenset({"街道", "办事处", "街道办事处", "街办", "自治县", "自治州", "新区"})
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})

_ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|"
    "景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|"
    "保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各"
)
_ETHNIC_TAIL = re.compile(rf"(?:(?:{_ETHNIC})族)+$")
_SUFFIX = {
    PROVINCE: re.compile(r"(?:特别行政区|自治区|省|市)$"),
    CITY: re.compile(r"(?:自治州|地区|盟|市)$"),
    DISTRICT: re.compile(r"(?:自治县|自治旗|新区|林区|特区|区|县|市|旗)$"),
    TOWN: re.compile(r"(?:街道办事处|街道|民族乡|民族苏木|苏木|镇|乡)$"),
}
# Spelling variants registered for each core name: older addresses say 九堡镇 for 九堡街道, 富阳市 for 富阳区.
_VARIANT_SUFFIXES = {
    CITY: ("市", "州"),
    DISTRICT: ("区", "县", "市"),
    TOWN: ("街道", "镇", "乡", "街道办事处", "办事处", "街办"),
}
_FULLWIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})


@dataclass(frozen=True, slots=True)
class Division:
    """One division: code as published (2/4/6/9 digits), canonical name, level and parent code."""

    code: str
    name: str
    level: int
    parent: str | None
    chain: tuple[str, ...] = ()  # own code and every ancestor code, root first

    @property
    def code12(self) -> str:
        """Twelve-digit statistical code (padded with zeros)."""
        return self.code.ljust(12, "0")


@dataclass(frozen=True, slots=True)
class Hit:
    """One division an alias can stand for, and how strong that evidence is."""

    code: str
    kind: str


@dataclass
class Gazetteer:
    """Divisions by code, an alias index for scanning, and child lists for fuzzy matching."""

    divisions: dict[str, Division] = field(default_factory=dict)
    aliases: dict[str, tuple[Hit, ...]] = field(default_factory=dict)
    prefixes: frozenset[str] = frozenset()
    children: dict[str, list[str]] = field(default_factory=dict)
    by_level: dict[int, list[str]] = field(default_factory=dict)
    former: dict[str, list[str]] = field(default_factory=dict)  # successor code -> former names

    def get(self, code: str | None) -> Division | None:
        """Division for a code, or None."""
        return self.divisions.get(code) if code else None

    def display_name(self, code: str) -> str | None:
        """Canonical name to print: placeholder cities (市辖区) show their municipality's name or nothing."""
        div = self.divisions[code]
        if div.level == CITY and div.name in _PLACEHOLDER_CITIES:
            return self.divisions[div.parent].name if div.parent in _MUNICIPALITIES else None
        return div.name

    def is_alias(self, text: str, code: str) -> bool:
        """True if text names the division: its name or a former name, with or without the level suffix."""
        div = self.divisions.get(code)
        if div is None or not text:
            return False
        shown = self.display_name(code) or div.name
        names = (div.name, shown, *self.former.get(code, ()))
        core = core_name(text, div.level)
        return text in names or core in {core_name(name, div.level) for name in names}

    def codes_by_level(self, code12: str | None) -> dict[int, str]:
        """Division code per level for a 12-digit (or shorter) statistical code."""
        out: dict[int, str] = {}
        for width in (9, 6, 4, 2):
            div = self.divisions.get((code12 or "")[:width])
            if div is not None:
                return {self.divisions[c].level: c for c in div.chain}
        return out

    def lookup(self, alias: str) -> tuple[Hit, ...]:
        """Hits for an exact alias string."""
        return self.aliases.get(alias, ())


def normalize(text: str) -> str:
    """Full-width to half-width, drop whitespace; the parser and index both see this form."""
    return "".join(text.translate(_FULLWIDTH).split())


def core_name(name: str, level: int) -> str:
    """Name without its level suffix and ethnic qualifiers (浙江省 → 浙江, 恩施土家族苗族自治州 → 恩施)."""
    core = _SUFFIX[level].sub("", name)
    core = _ETHNIC_TAIL.sub("", core)
    return core if len(core) >= 2 else name


def _read_csv(name: str, data_dir: Path | None) -> Iterator[dict[str, str]]:
    """Rows of one packaged (or overridden) CSV file."""
    if data_dir is not None:
        text = (data_dir / name).read_text(encoding="utf-8-sig")
    else:
        text = resources.files("cityloop.areas").joinpath("data", name).read_text(encoding="utf-8-sig")
    yield from csv.DictReader(text.splitlines())


def _load_divisions(data_dir: Path | None) -> dict[str, Division]:
    """All divisions with their ancestor chains."""
    raw: list[tuple[str, str, int, str | None]] = []
    raw += [(r["code"], r["name"], PROVINCE, None) for r in _read_csv("gb_provinces.csv", data_dir)]
    raw += [(r["code"], r["name"], CITY, r["provinceCode"]) for r in _read_csv("gb_cities.csv", data_dir)]
    raw += [(r["code"], r["name"], DISTRICT, r["cityCode"]) for r in _read_csv("gb_areas.csv", data_dir)]
    raw += [(r["code"], r["name"], TOWN, r["areaCode"]) for r in _read_csv("gb_streets.csv", data_dir)]
    out: dict[str, Division] = {}
    for code, name, level, parent in raw:  # parents always come before children in this order
        chain = (*out[parent].chain, code) if parent in out else (code,)
        out[code] = Division(code, name.strip(), level, parent, chain)
    return out


def _aliases_of(div: Division, shown: str | None) -> Iterator[tuple[str, str]]:
    """(alias, kind) pairs for one division."""
    if div.level == CITY and div.name in _PLACEHOLDER_CITIES:
        if shown:  # 北京市 also stands for its placeholder city, so 北京朝阳区 resolves fully
            yield shown, FULL
            yield core_name(shown, PROVINCE), SHORT
        return
    yield div.name, FULL
    core = core_name(div.name, div.level)
    if core == div.name:
        return
    yield core, SHORT
    for suffix in _VARIANT_SUFFIXES.get(div.level, ()):
        yield core + suffix, VARIANT


def _usable(alias: str, div: Division, kind: str, generic: frozenset[str] = frozenset()) -> bool:
    """Skip aliases too generic to scan for (城区, 工业园区, one character)."""
    if len(alias) < 2 or alias in generic or alias in _BARE_SUFFIXES:
        return False
    return not (kind == FULL and div.level >= DISTRICT and len(alias) == 2 and alias[1] == "区")


def _generic_names(divisions: dict[str, Division]) -> frozenset[str]:
    """Township names that are not place names (经济开发区, 工业园区): non-standard and repeated."""
    counts = Counter(
        d.name for d in divisions.values() if d.level == TOWN and not _SUFFIX[TOWN].search(d.name)
    )
    return frozenset(name for name, n in counts.items() if n > 1)


def _load_former(data_dir: Path | None, divisions: dict[str, Division]) -> list[tuple[str, str]]:
    """(former name, successor code) pairs from the hand-kept list of abolished divisions."""
    pairs = []
    for row in _read_csv("former_divisions.csv", data_dir):
        for code in row["successor_codes"].split("|"):
            if code in divisions:
                pairs.append((row["name"], code))
    return pairs


def build_gazetteer(data_dir: Path | None = None) -> Gazetteer:
    """Load the division CSVs (package data unless data_dir is given) and build the indexes."""
    divisions = _load_divisions(data_dir)
    gaz = Gazetteer(divisions=divisions)
    generic = _generic_names(divisions)
    index: dict[str, dict[str, str]] = defaultdict(dict)
    rank = {FULL: 0, FORMER: 1, VARIANT: 2, SHORT: 3}
    for div in divisions.values():
        for alias, kind in _aliases_of(div, gaz.display_name(div.code)):
            if _usable(alias, div, kind, generic):
                index[alias][div.code] = _stronger(index[alias].get(div.code), kind, rank)
        gaz.children.setdefault(div.parent or "", []).append(div.code)
        gaz.by_level.setdefault(div.level, []).append(div.code)
    for name, code in _load_former(data_dir, divisions):
        gaz.former.setdefault(code, []).append(name)
        level = divisions[code].level
        for alias, kind in ((name, FORMER), (core_name(name, level), SHORT)):
            if _usable(alias, divisions[code], kind):
                index[alias][code] = _stronger(index[alias].get(code), kind, rank)
    gaz.aliases = {alias: _hits(codes) for alias, codes in index.items()}
    gaz.prefixes = frozenset(alias[:i] for alias in gaz.aliases for i in range(1, len(alias) + 1))
    return gaz


def _stronger(old: str | None, new: str, rank: dict[str, int]) -> str:
    """The stronger of two hit kinds."""
    return new if old is None or rank[new] < rank[old] else old


def _hits(codes: dict[str, str]) -> tuple[Hit, ...]:
    """Hits for one alias in code order, so ties resolve the same way every run."""
    return tuple(Hit(code, kind) for code, kind in sorted(codes.items()))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shared gazetteer built from package data (built once per process)."""
    return build_gazetteer()


def scan(gaz: Gazetteer, text: str) -> Iterable[tuple[int, int, tuple[Hit, ...]]]:
    """Leftmost-longest alias matches as (start, end, hits), walking the prefix set like a trie.

    A bare alias yields to a suffixed name that starts inside it and reaches further when the text splits
    cleanly into two names (三门海游街道 is 三门 + 海游街道, not 三门海 + 游街道).
    """
    i, n = 0, len(text)
    while i < n:
        ends = _alias_ends(gaz, text, i)
        if not ends:
            i += 1
            continue
        end = ends[-1]
        cut = _overtaken_at(gaz, text, i, end) if _all_short(gaz.aliases[text[i:end]]) else None
        if cut in ends:  # only a clean split into two names; 柯桥东区 stays 柯桥 (柯 alone names nothing)
            end = cut
        yield i, end, gaz.aliases[text[i:end]]
        i = end


def _alias_ends(gaz: Gazetteer, text: str, i: int) -> list[int]:
    """End positions of every alias starting at i, shortest first."""
    prefixes, aliases = gaz.prefixes, gaz.aliases
    ends, j, n = [], i + 1, len(text)
    while j <= n and text[i:j] in prefixes:
        if text[i:j] in aliases:
            ends.append(j)
        j += 1
    return ends


def _all_short(hits: tuple[Hit, ...]) -> bool:
    """True if an alias is only ever a bare short name."""
    return all(hit.kind == SHORT for hit in hits)


def _overtaken_at(gaz: Gazetteer, text: str, i: int, end: int) -> int | None:
    """First position inside text[i:end] where a non-bare alias starts that ends beyond end, if any."""
    for j in range(i + 1, end):
        ends = _alias_ends(gaz, text, j)
        if ends and ends[-1] > end and not _all_short(gaz.aliases[text[j : ends[-1]]]):
            return j
    return None
