"""Hot issues (热点问题): cluster messages on the same problem at the same place and period, rank them by heat."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse

from cityloop.intel.dedup.index import clean
from cityloop.intel.hotspots import pairs as hp
from cityloop.intel.hotspots import vectors as hv

# A place name ends with one of these words (estates, buildings, schools, roads, lines…).
_PLACE_SUFFIXES = (
    "小区|花园|家园|公寓|大厦|广场|新城|新村|社区|学院|学校|中学|小学|大学|幼儿园|医院|公园|市场|商城|"
    "大道|路|街|巷|号线|高铁|高速|地铁站|公交站|火车站|汽车站|湖|湾|苑|府|城|村|镇|街道|项目|工业园|园区|片区|公司|集团|物业|驾校|银行"
)
# Longest suffix first, so 街道 wins over 街 and 新城 over 城. A place is 1–14 name characters then a suffix: the
# shortest such run from the left, i.e. `[name]{1,14}?(?:suffix)`; `_place_runs` finds the same runs from the
# suffix positions (one regex pass instead of 14 × 45 tries per character).
_SUFFIX_AT = re.compile(rf"(?=({'|'.join(sorted(_PLACE_SUFFIXES.split('|'), key=len, reverse=True))}))")
_NAME_MAX = 14
# Clauses break at punctuation and at function words, which never sit inside a place name (not 有: 有限公司).
_CLAUSE_RE = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+|[在的和与及等到至从对把被给让向为了是]")
# Anonymised (A市A5区) and real division prefixes, and request verbs opening a title, are not part of a place.
_PREFIX_RE = re.compile(
    r"^(?:关于|反映|投诉|举报|咨询|建议|请求|要求|希望|请问|强烈|恳请|呼吁|请|问|我|我们|本人|家住|住在|位于|严惩|"
    r"[A-Z]\d*[市区县州镇乡]|西地省|[\u4e00-\u9fff]{2}省|经开区|高新区)+"
)
# Real province/city/district names opening a clause (杭州市上城区紫阳街道): without this, 城 in 上城 would end a
# "place" and leave 区紫阳街道 behind. Anonymised forms (A市A3区) are handled by _PREFIX_RE.
_REAL_DIVISION_RE = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,3}省)?(?:[\u4e00-\u9fff]{2,3}市(?!场))?"
    r"(?:[\u4e00-\u9fff]{1,3}(?<![小社园片景校厂矿街营库])[区县](?![域别长委内外]))?"
)
# Words that open a clause but never a place name (小区临街, 附近建搅拌站, 该小区…).
_JUNK_START = re.compile(
    r"^(?:小区|附近|门口|旁边|周边|该|同|本|这|那|此|所在|临|靠近|距|离|来自|由|求|当|所以|听说|还|未经|违|建|修|设|"
    r"市政府|政府|成功|初步|导致|造成|影响|严重|已经|目前|现在|如何|什么|何时|为什么)"
)
_ROAD_END = re.compile(r"(?:大道|路|街|巷|号线|高铁|高速)$")
_GENERIC_END = re.compile(r"(?:有限公司|公司|集团|小区|项目|片区|二期|一期|三期)$")
_ESTATE_END = re.compile(r"[苑园城府湾]$")
_GENERIC_PLACES = frozenset({"城", "路", "街", "村", "镇", "市场", "学校", "医院", "小区", "公园", "农村", "城区"})
_ANON_DISTRICT_RE = re.compile(r"[A-Z]\d+[区县]")
# Real names end in 区/县 too, but 小区, 社区, 园区, 片区… are not districts.
_DISTRICT_RE = re.compile(r"[A-Z]\d+[区县]|[\u4e00-\u9fff]{1,4}(?:(?<![小社园片景城校厂矿街营库])区|县)(?![域别长委])")


@dataclass(frozen=True)
class Message:
    """One citizen message (留言) as read from a table or a live case."""

    id: Hashable
    title: str
    text: str
    at: datetime
    user: str = ""
    likes: int = 0
    dislikes: int = 0


@dataclass(frozen=True)
class HotspotParams:
    """Clustering and heat parameters (defaults tuned on the 2020 泰迪杯 4,326 messages)."""

    # Cosine (TF-IDF char n-grams) to link two messages naming the same place; without a shared place, stricter.
    similarity: float = 0.3
    similarity_no_place: float = 0.55
    window_days: float = 120.0
    # Place keys and title terms shared by more messages than this are too generic to block on.
    max_posting: int = 400
    title_terms: int = 4
    body_chars: int = 150
    # Components above this size are re-split by average linkage, so chains of pairs cannot glue issues together.
    split_above: int = 50
    split_similarity: float = 0.08
    # Pairing: each message meets at most this many later messages per key (the nearest in time), so pairs grow
    # linearly with the table; a cluster spans at most max_span_days and the linkage sees at most split_max messages
    # (longer or larger components are first cut at their widest quiet gaps).
    max_partners: int = 50
    max_span_days: float = 240.0
    split_max: int = 2000
    # Ask the address standardiser for a road when the title names no place (costs a gazetteer load).
    standardise: bool = True
    min_reporters: int = 2
    # A single message with this many likes counts as a hot issue: the likes are people agreeing.
    min_likes_alone: int = 100


@dataclass(frozen=True)
class HotIssue:
    """A ranked cluster of messages with its heat and the features behind it."""

    issue_id: int
    heat: float
    start: datetime
    end: datetime
    place: str
    description: str
    message_ids: tuple[Hashable, ...]
    n_messages: int
    n_reporters: int
    likes: int
    dislikes: int
    peak_7d: int
    growth: float
    components: dict[str, float] = field(default_factory=dict)
    rank: int = 0


def places(text: str) -> list[str]:
    """Return place names (estates, POIs, roads, schools…) mentioned in a text, in order, without prefixes."""
    return list(_places(text))


# Live hot issues re-cluster mostly the same cases every few minutes; the regex passes are a third of that work.
@lru_cache(maxsize=16_384)
def _places(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for raw in _CLAUSE_RE.split(text):
        clause = _REAL_DIVISION_RE.sub("", raw)
        for run in _place_runs(clause) if len(clause) > 1 else ():  # a run is a name character and a suffix
            name = _PREFIX_RE.sub("", run)
            longest = 14 if name.endswith(("公司", "集团")) else 9
            if (
                2 <= len(name) <= longest
                and not _JUNK_START.match(name)
                and name not in _GENERIC_PLACES
                and not name.isdigit()
            ):
                found.append(name)
    return tuple(dict.fromkeys(found))


def _place_runs(clause: str) -> list[str]:
    """Return the non-overlapping runs `[name]{1,14}?(?:suffix)` of a clause (clauses hold name characters only)."""
    runs: list[str] = []
    free = 0  # first character not yet used by a run
    for hit in _SUFFIX_AT.finditer(clause):
        at = hit.start()
        if at > free:  # a suffix needs at least one name character before it
            runs.append(clause[max(free, at - _NAME_MAX) : at + len(hit.group(1))])
            free = at + len(hit.group(1))
    return runs


def district(text: str, *, anonymised_only: bool = False) -> str | None:
    """Return the first district/county named in a text (anonymised A3区 or a real name)."""
    match = (_ANON_DISTRICT_RE if anonymised_only else _DISTRICT_RE).search(text)
    # "A市经开区" → 经开区: the regex may start inside the city name.
    return re.sub(r"^.*[市省]", "", match.group(0)) or None if match else None


@lru_cache(maxsize=4096)
def _standard_place(title: str) -> tuple[str | None, str | None]:
    """(district, road) from the address standardiser, used when the title names no place the regex knows."""
    from cityloop.areas.addresses.standardizer import standardize

    addr = standardize(title)
    return addr.district, addr.road


def place_keys(msg: Message, body_chars: int = 200, standardise: bool = True) -> list[str]:
    """Return the blocking keys of a message: place names of the title first, then of the opening body."""
    return _keys(places(msg.title), places(msg.text[:body_chars]), msg.title, standardise)


def _keys(title_places: list[str], body_places: list[str], title: str, standardise: bool) -> list[str]:
    """Return the blocking keys from the place names already found in title and body."""
    keys = title_places + [p for p in body_places if p not in title_places]
    if not keys and standardise:
        _, road = _standard_place(title)
        keys = [road] if road else []
    # Also key on the tail of long names: 伊景园滨河苑 and 滨河苑 are the same estate.
    tails = [k[-3:] for k in keys if len(k) >= 5 and _ESTATE_END.search(k)]
    return list(dict.fromkeys(keys + tails))


def _documents(messages: Sequence[Message], body_chars: int, titles: Sequence[str] | None = None) -> list[str]:
    # The title says what and where in a few words; repeating it weighs it above the body. Cleaning the title once
    # and the body once gives the same text as cleaning "title。title。title。body" (no boilerplate spans a 。).
    titles = [clean(m.title) for m in messages] if titles is None else titles
    return [
        (t * 3 + clean(m.text[:body_chars], 10 * body_chars))[: 3 * len(m.title) + body_chars + 6]
        for m, t in zip(messages, titles, strict=True)
    ]


def vectorise(messages: Sequence[Message], body_chars: int = 150, max_df: float = 0.2) -> sparse.csr_matrix:
    """Return L2-normalised TF-IDF rows over character 2–3-grams of title (thrice) and opening body."""
    return hv.tfidf(hv.ngram_counts(_documents(messages, body_chars)), max_df)


def problem_text(title: str, names: Sequence[str] | None = None) -> str:
    """Return a title without its place names and divisions: what the problem is, not where."""
    for name in sorted(places(title) if names is None else names, key=len, reverse=True):
        title = title.replace(name, " ")
    return _DISTRICT_RE.sub(" ", _PREFIX_RE.sub("", title))


def vectorise_problems(
    messages: Sequence[Message], max_df: float = 0.2, names: Sequence[Sequence[str]] | None = None
) -> sparse.csr_matrix:
    """Return L2-normalised TF-IDF rows over character 2–3-grams of the titles stripped of places."""
    names = [places(m.title) for m in messages] if names is None else names
    docs = [clean(problem_text(m.title, ns)) for m, ns in zip(messages, names, strict=True)]
    return hv.tfidf(hv.ngram_counts(docs), max_df)


@dataclass(frozen=True)
class _Prepared:
    """What clustering needs of each message, computed once per run (each regex pass runs once per text)."""

    title_places: list[list[str]]
    keys: list[list[str]]
    titles: list[str]
    days: np.ndarray
    x: sparse.csr_matrix
    xt: sparse.csr_matrix


def _prepare(messages: Sequence[Message], p: HotspotParams, x: sparse.csr_matrix | None = None) -> _Prepared:
    """Extract places, keys, cleaned titles, days and both TF-IDF matrices, once per message."""
    title_places = [places(m.title) for m in messages]
    keys = [
        _keys(tp, places(m.text[: p.body_chars]), m.title, p.standardise)
        for m, tp in zip(messages, title_places, strict=True)
    ]
    titles = [clean(m.title) for m in messages]
    if x is None:
        x = hv.tfidf(hv.ngram_counts(_documents(messages, p.body_chars, titles)), 0.2)
    days = np.array([m.at.timestamp() / 86400 for m in messages])
    return _Prepared(title_places, keys, titles, days, x, vectorise_problems(messages, names=title_places))


def _title_terms(titles: Sequence[str], top: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (term id, message index) for the `top` rarest character 4-grams of each cleaned title."""
    lengths = np.fromiter(map(len, titles), dtype=np.int64, count=len(titles))
    codes = np.frombuffer("".join(titles).encode("utf-32-le"), dtype=np.uint32)
    # Cleaned titles hold CJK (U+4E00–U+9FFF), lower-case letters and digits only: shifting CJK down to just above
    # ASCII gives 16-bit codes in the same order, so a 4-gram packs into a uint64 that sorts like its string and
    # ties on rarity break as a string sort would.
    rank_ = np.where(codes < 0x4E00, codes, codes - 0x4E00 + 128).astype(np.uint64)
    doc = np.repeat(np.arange(len(titles)), lengths)
    start = np.flatnonzero(np.arange(len(codes)) + 4 <= np.cumsum(lengths)[doc])
    key = np.zeros(len(start), dtype=np.uint64)
    for k in range(4):
        key = (key << np.uint64(16)) | rank_[start + k]
    doc = doc[start]
    order = np.lexsort((key, doc))
    doc, key = doc[order], key[order]
    first = np.ones(len(doc), dtype=bool)
    first[1:] = (doc[1:] != doc[:-1]) | (key[1:] != key[:-1])  # each 4-gram once per title
    doc, key = doc[first], key[first]
    _, term, df = np.unique(key, return_inverse=True, return_counts=True)
    term = term.ravel()
    order = np.lexsort((term, df[term], doc))
    doc, term = doc[order], term[order]
    within = np.arange(len(doc)) - np.searchsorted(doc, doc, side="left")
    return term[within < top], doc[within < top]


def _specific(names: Iterable[str]) -> set[str]:
    """Return the estate/POI/company cores of place names (roads are shared by many places)."""
    return {_GENERIC_END.sub("", n) or n for n in names if not _ROAD_END.search(n)}


def _conflict(a: AbstractSet[str], b: AbstractSet[str]) -> bool:
    """Tell whether two titles name specific places and none of them is the same (润芳园 vs 魅力之城)."""
    if not a or not b or a & b:
        return False
    return all(fuzz.partial_ratio(x, y) < 75 for x in a for y in b)


def _classes(sets: Iterable[frozenset[str]]) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Number equal sets alike, so a test on two sets runs once per distinct pair of sets."""
    ids: dict[frozenset[str], int] = {}
    cls = np.fromiter((ids.setdefault(s, len(ids)) for s in sets), dtype=np.int64)
    return cls, list(ids)


def _split(members: list[int], x: sparse.csr_matrix, threshold: float) -> list[list[int]]:
    """Re-cluster a large component with average linkage so that every cluster is coherent on average."""
    from sklearn.cluster import AgglomerativeClustering

    dist = np.clip(1.0 - hv.gram(x[members]), 0.0, 2.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1 - threshold
    ).fit_predict(dist)
    groups: dict[int, list[int]] = {}
    for m, label in zip(members, labels.tolist(), strict=True):
        groups.setdefault(label, []).append(m)
    return list(groups.values())


def cluster(
    messages: Sequence[Message], params: HotspotParams | None = None, x: sparse.csr_matrix | None = None
) -> list[list[int]]:
    """Group message indices about the same problem at the same place within the time window."""
    p = params or HotspotParams()
    if not messages:
        return []
    return _cluster(_prepare(messages, p, x), p)


def _cluster(prep: _Prepared, p: HotspotParams) -> list[list[int]]:
    """Return the clusters (lists of message indices, in order of their first message) of prepared messages."""
    labels = _link(prep, p)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    out: list[list[int]] = []
    for members in np.split(order, bounds):
        out += _pieces(members, prep, p) if len(members) > 1 else [members.tolist()]
    return out


def _pieces(members: np.ndarray, prep: _Prepared, p: HotspotParams) -> list[list[int]]:
    """Cut a component into time-local pieces, then re-split large pieces by average linkage."""
    out: list[list[int]] = []
    for piece in hp.time_pieces(members, prep.days, p.max_span_days, p.split_max):
        ids = piece.tolist()
        out += _split(ids, prep.x, p.split_similarity) if len(ids) > p.split_above else [ids]
    return out


def _link(prep: _Prepared, p: HotspotParams, chunk: int = 100_000) -> np.ndarray:
    """Return the component label of each message after linking the candidate pairs that pass the tests."""
    n, days = len(prep.days), prep.days
    by_place = hp.window_pairs(*hp.flatten(prep.keys), days, p.window_days, p.max_posting, p.max_partners)
    by_title = hp.window_pairs(
        *_title_terms(prep.titles, p.title_terms), days, p.window_days, p.max_posting, p.max_partners
    )
    by_title = hp.minus(by_title, by_place)
    spec, spec_sets = _classes(frozenset(_specific(tp)) for tp in prep.title_places)
    named, named_sets = _classes(frozenset(tp) for tp in prep.title_places)

    def allowed(pairs: np.ndarray) -> np.ndarray:
        return pairs[~hp.by_pair_class(pairs, spec, lambda a, b: _conflict(spec_sets[a], spec_sets[b]))]

    # Same place named in both titles: the problem words may agree (…搅拌厂 / …搅拌站) while long bodies dilute
    # the match. Cheap (titles only), so first: pairs it joins need no full-text cosine.
    same = by_place[hp.by_pair_class(by_place, named, lambda a, b: bool(named_sets[a] & named_sets[b]))]
    links = allowed(same[hp.pair_cosine(prep.xt, same) >= p.similarity])
    labels = hp.components(n, links)
    # A pair whose messages are already joined cannot change the clustering: its cosine is never computed, and
    # the components are refreshed every `chunk` pairs so that dense places skip most of their pairs.
    for pairs, threshold in ((by_place, p.similarity), (by_title, p.similarity_no_place)):
        for lo in range(0, len(pairs), chunk):
            rest = hp.unjoined(pairs[lo : lo + chunk], labels)
            links = np.concatenate([links, allowed(rest[hp.pair_cosine(prep.x, rest) >= threshold])])
            labels = hp.components(n, links)
    return labels


def _peak_7d(times: list[datetime]) -> int:
    ordered = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while t - ordered[lo] > timedelta(days=7):
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _growth(times: list[datetime], now: datetime, days: int = 14) -> float:
    recent = sum(1 for t in times if now - timedelta(days=days) < t <= now)
    before = sum(1 for t in times if now - timedelta(days=2 * days) < t <= now - timedelta(days=days))
    return max(0.0, math.log((1 + recent) / (1 + before)))


def heat_components(group: Sequence[Message], now: datetime) -> dict[str, float]:
    """Return the log-scaled features of a cluster that the heat index adds up (see docs/intel_analytics.md)."""
    times = [m.at for m in group]
    span_days = (max(times) - min(times)).total_seconds() / 86400
    return {
        "volume": math.log1p(len(group)),
        "reporters": math.log1p(len({m.user or str(m.id) for m in group})),
        "support": math.log1p(sum(m.likes for m in group) + 0.5 * sum(m.dislikes for m in group)),
        "burst": math.log1p(_peak_7d(times)),
        "growth": _growth(times, now),
        "duration": math.log1p(span_days),
    }


# Heat = 10 × Σ weight × component; reporters count apart from volume so one person's flood scores less.
HEAT_WEIGHTS: dict[str, float] = {
    "volume": 1.0,
    "reporters": 1.0,
    "support": 0.5,
    "burst": 0.5,
    "growth": 0.5,
    "duration": 0.25,
}


def heat(components: dict[str, float]) -> float:
    """Return the heat index of a cluster from its components."""
    return round(10 * sum(HEAT_WEIGHTS[k] * v for k, v in components.items()), 2)


def _medoid(members: list[int], x: sparse.csr_matrix) -> int:
    if len(members) == 1:
        return members[0]
    sims = hv.gram(x[members]).sum(axis=1)
    return members[int(np.argmax(sims))]


def _place_label(group: Sequence[Message]) -> str:
    """Return "district place": the place name contained in most titles (longer wins ties)."""
    districts: Counter[str] = Counter()
    names: set[str] = set()
    for m in group:
        names.update(places(m.title) or places(m.text[:200]))
        # Bodies are long prose: only an anonymised code (A3区) there is trusted as a district.
        d = district(m.title) or district(m.text[:200], anonymised_only=True)
        if d:
            districts[d] += 1
    cores = {c for c in (_GENERIC_END.sub("", n) for n in names) if len(c) >= 2}
    titles = [m.title for m in group]
    counts = {c: sum(c in t for t in titles) for c in cores}
    best = max(counts.values(), default=0)
    # Near the top count, an estate beats a road and a longer name beats a fragment (伊景园滨河苑 > 滨河苑).
    ranked = sorted(
        (c for c in cores if counts[c] >= 0.8 * best),
        key=lambda c: (len(c) < 3, bool(_ROAD_END.search(c)), -len(c), -counts[c], c),
    )
    parts = [districts.most_common(1)[0][0]] if districts else []
    parts += ranked[:1]
    return " ".join(dict.fromkeys(parts))


def _eligible(group: Sequence[Message], p: HotspotParams) -> bool:
    reporters = len({m.user or str(m.id) for m in group})
    return reporters >= p.min_reporters or sum(m.likes for m in group) >= p.min_likes_alone


def rank(messages: Sequence[Message], params: HotspotParams | None = None, top: int = 5) -> list[HotIssue]:
    """Cluster messages and return the `top` hottest issues, rank 1 first."""
    p = params or HotspotParams()
    if not messages:
        return []
    prep = _prepare(messages, p)
    now = max(m.at for m in messages)
    scored: list[tuple[float, datetime, list[int], dict[str, float]]] = []
    for members in _cluster(prep, p):
        group = [messages[i] for i in members]
        if _eligible(group, p):
            comps = heat_components(group, now)
            scored.append((heat(comps), min(m.at for m in group), members, comps))
    scored.sort(key=lambda s: (-s[0], s[1]))
    # Labels and medoids only for the issues shown: they cost a few regex passes and a dense gram per cluster.
    issues = [
        _issue([messages[i] for i in members], comps, messages[_medoid(members, prep.x)].title)
        for _, _, members, comps in scored[:top]
    ]
    return [_renumber(h, i + 1) for i, h in enumerate(issues)]


def _issue(group: list[Message], comps: dict[str, float], description: str) -> HotIssue:
    group = sorted(group, key=lambda m: m.at)
    return HotIssue(
        issue_id=0,
        heat=heat(comps),
        start=group[0].at,
        end=group[-1].at,
        place=_place_label(group),
        description=description,
        message_ids=tuple(m.id for m in group),
        n_messages=len(group),
        n_reporters=len({m.user or str(m.id) for m in group}),
        likes=sum(m.likes for m in group),
        dislikes=sum(m.dislikes for m in group),
        peak_7d=_peak_7d([m.at for m in group]),
        growth=round(comps["growth"], 4),
        components={k: round(v, 4) for k, v in comps.items()},
    )


def _renumber(issue: HotIssue, rank_: int) -> HotIssue:
    from dataclasses import replace

    return replace(issue, issue_id=rank_, rank=rank_)


def issue_table(issues: Sequence[HotIssue]) -> list[dict[str, object]]:
    """Return 表1 热点问题表 rows (热度排名, 问题ID, 热度指数, 时间范围, 地点/人群, 问题描述)."""
    return [
        {
            "热度排名": h.rank,
            "问题ID": h.issue_id,
            "热度指数": h.heat,
            "时间范围": f"{h.start:%Y/%m/%d} 至 {h.end:%Y/%m/%d}",
            "地点/人群": h.place,
            "问题描述": h.description,
        }
        for h in issues
    ]


def message_table(issues: Sequence[HotIssue], messages: Sequence[Message]) -> list[dict[str, object]]:
    """Return 表2 热点问题留言明细表 rows: the messages of each issue, by issue then time."""
    by_id = {m.id: m for m in messages}
    rows: list[dict[str, object]] = []
    for h in issues:
        for mid in h.message_ids:
            m = by_id[mid]
            rows.append(
                {
                    "问题ID": h.issue_id,
                    "留言编号": m.id,
                    "留言用户": m.user,
                    "留言主题": m.title,
                    "留言时间": f"{m.at:%Y/%m/%d %H:%M:%S}",
                    "留言详情": m.text,
                    "点赞数": m.likes,
                    "反对数": m.dislikes,
                }
            )
    return rows
