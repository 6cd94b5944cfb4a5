"""Local place names (roads, rivers, estates, landmarks): candidate spans in text and the lexicon they map into."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# What a local name ends with. A name is 2–6 characters before one of these (天童南路, 奉化江, 翡翠城竹苑).
_SUFFIXES = (
    r"大道|大街|公路|胡同|路|街(?!道)|巷|弄|江|河|溪|港|湖|塘|浦|渠|桥|公园|广场|小区|花园|新村|家园|公寓|"
    r"大厦|商城|市场|苑|村|社区|中学|小学|医院"
)
_SUFFIX = re.compile(f"(?:{_SUFFIXES})")
# A division's bare name right before one of these is the start of a local name (奉化江, 余杭塘河, 五常大道).
NAME_AFTER = re.compile(f"[东南西北中]?(?:{_SUFFIXES})")
# A name followed by these runs on into a longer road name (临平东湖|南路, 华西|一路); 华西路|路灯 does not.
_RUNS_ON = re.compile(r"[东南西北中一二三四五六七八九十]{1,2}(?:大道|大街|路|街|巷|弄)")
# A name never starts with these (function words and pronouns: 在天童南路 is 天童南路).
_STOP = frozenset("的了在是有和与及到从对向往我你他她它们这那个不也都就还被把给让说去来住门口旁边附近里")
_MIN_STEM, _MAX_STEM = 2, 6
_CJK = re.compile(r"[\u4e00-\u9fff]")
AMBIGUOUS = "*"  # lexicon value of a name seen in several divisions, or too rarely to count


def candidates(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every span that could be a local name: 2–6 CJK characters then a name suffix."""
    for match in _SUFFIX.finditer(text):
        if _RUNS_ON.match(text, match.end()):  # 临平东湖|南路: the suffix is inside a longer name
            continue
        for size in range(_MIN_STEM, _MAX_STEM + 1):
            start = match.start() - size
            if start < 0 or not _CJK.fullmatch(text[start]):
                break
            if text[start] not in _STOP:
                yield start, match.end()


def names_in(text: str) -> set[str]:
    """Distinct candidate names of one text (a name repeated in one case counts once)."""
    return {text[s:e] for s, e in candidates(text)}


@dataclass
class Lexicon:
    """Local name → the one division it stands for (or AMBIGUOUS), with how many sightings back it."""

    names: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    prefixes: frozenset[str] = frozenset()

    @classmethod
    def build(cls, sightings: Iterable[tuple[str, str, int]], min_count: int) -> Lexicon:
        """From (name, division code, count) rows: evidence when one district-or-deeper division and ≥ min_count."""
        where: dict[str, set[str]] = defaultdict(set)
        total: dict[str, int] = defaultdict(int)
        for name, code, count in sightings:
            where[name].add(code)
            total[name] += count
        lex = cls()
        for name, codes in where.items():
            lex.names[name] = _single(codes) if total[name] >= min_count else AMBIGUOUS
            lex.counts[name] = total[name]
        lex.prefixes = frozenset(n[:i] for n in lex.names for i in range(1, len(n) + 1))
        return lex

    def __len__(self) -> int:
        """Number of names known (ambiguous ones included)."""
        return len(self.names)

    def scan(self, text: str, boundaries: frozenset[int] = frozenset()) -> Iterator[tuple[int, int, str]]:
        """Leftmost-longest known names that stand alone in text as (start, end, division code or AMBIGUOUS).

        A match must start where a name can start (text start, punctuation, a function word, or one of the
        `boundaries`, e.g. right after a division name) and must not run on into a longer name: 华西路 inside
        新华西路 or 临平东湖 inside 临平东湖南路 is not the name the lexicon knows.
        """
        i, n = 0, len(text)
        while i < n:
            end, j = 0, i + 1
            while j <= n and text[i:j] in self.prefixes:
                if text[i:j] in self.names:
                    end = j
                j += 1
            if end and _starts_name(text, i, boundaries) and not _RUNS_ON.match(text, end):
                yield i, end, self.names[text[i:end]]
                i = end
            else:
                i += 1


def _starts_name(text: str, i: int, boundaries: frozenset[int]) -> bool:
    """True if a name may start at i."""
    return i == 0 or i in boundaries or text[i - 1] in _STOP or not _CJK.fullmatch(text[i - 1])


def _single(codes: set[str]) -> str:
    """The division all sightings share when it is a district or deeper; AMBIGUOUS otherwise."""
    if len(codes) == 1:
        return next(iter(codes))
    return AMBIGUOUS
