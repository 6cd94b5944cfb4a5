"""Hot issues (热点问题): cluster messages on the same problem at the same place and period, rank them by heat."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

from cityloop.intel.dedup import clean

# A place name ends with one of these words (estates, buildings, schools, roads, lines…).
_PLACE_SUFFIXES = (
    "小区|花园|家园|公寓|大厦|广场|新城|新村|社区|学院|学校|中学|小学|大学|幼儿园|医院|公园|市场|商城|"
    "大道|路|街|巷|号线|高铁|高速|地铁站|公交站|火车站|汽车站|湖|湾|苑|府|城|村|镇|街道|项目|工业园|园区|片区|公司|集团|物业|驾校|银行"
)
# Longest suffix first, so 街道 wins over 街 and 新城 over 城.
_PLACE_RE = re.compile(
    rf"[\u4e00-\u9fffA-Za-z0-9]{{1,14}}?(?:{'|'.join(sorted(_PLACE_SUFFIXES.split('|'), key=len, reverse=True))})"
)
# Clauses break at punctuation and at function words, which never sit inside a place name (not 有: 有限公司).
_CLAUSE_RE = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+|[在的和与及等到至从对把被给让向为了是]")
# Anonymised (A市A5区) and real division prefixes, and request verbs opening a title, are not part of a place.
_PREFIX_RE = re.compile(
    r"^(?:关于|反映|投诉|举报|咨询|建议|请求|要求|希望|请问|强烈|恳请|呼吁|请|问|我|我们|本人|家住|住在|位于|严惩|"
    r"[A-Z]\d*[市区县州镇乡]|西地省|[\u4e00-\u9fff]{2}省|经开区|高新区)+"
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
    found: list[str] = []
    for clause in _CLAUSE_RE.split(text):
        for match in _PLACE_RE.finditer(clause):
            name = _PREFIX_RE.sub("", match.group(0))
            longest = 14 if name.endswith(("公司", "集团")) else 9
            if (
                2 <= len(name) <= longest
                and not _JUNK_START.match(name)
                and name not in _GENERIC_PLACES
                and not name.isdigit()
            ):
                found.append(name)
    return list(dict.fromkeys(found))


def district(text: str, *, anonymised_only: bool = False) -> str | None:
    """Return the first district/county named in a text (anonymised A3区 or a real name)."""
    match = (_ANON_DISTRICT_RE if anonymised_only else _DISTRICT_RE).search(text)
    # "A市经开区" → 经开区: the regex may start inside the city name.
    return re.sub(r"^.*[市省]", "", match.group(0)) or None if match else None


@lru_cache(maxsize=4096)
def _standard_place(title: str) -> tuple[str | None, str | None]:
    """(district, road) from the address standardiser, used when the title names no place the regex knows."""
    from cityloop.areas.address import standardize

    addr = standardize(title)
    return addr.district, addr.road


def place_keys(msg: Message, body_chars: int = 200, standardise: bool = True) -> list[str]:
    """Return the blocking keys of a message: place names of the title first, then of the opening body."""
    title_places = places(msg.title)
    body_places = places(msg.text[:body_chars])
    keys = title_places + [p for p in body_places if p not in title_places]
    if not keys and standardise:
        _, road = _standard_place(msg.title)
        keys = [road] if road else []
    # Also key on the tail of long names: 伊景园滨河苑 and 滨河苑 are the same estate.
    tails = [k[-3:] for k in keys if len(k) >= 5 and _ESTATE_END.search(k)]
    return list(dict.fromkeys(keys + tails))


def _documents(messages: Sequence[Message], body_chars: int) -> list[str]:
    # The title says what and where in a few words; repeating it weighs it above the body.
    return [
        clean(f"{m.title}。{m.title}。{m.title}。{m.text[:body_chars]}", 3 * len(m.title) + body_chars + 6)
        for m in messages
    ]


def vectorise(messages: Sequence[Message], body_chars: int = 150, max_df: float = 0.2) -> sparse.csr_matrix:
    """Return L2-normalised TF-IDF rows over character 2–3-grams of title (thrice) and opening body."""
    return _tfidf(_documents(messages, body_chars), max_df)


def problem_text(title: str) -> str:
    """Return a title without its place names and divisions: what the problem is, not where."""
    for name in sorted(places(title), key=len, reverse=True):
        title = title.replace(name, " ")
    return _DISTRICT_RE.sub(" ", _PREFIX_RE.sub("", title))


def vectorise_problems(messages: Sequence[Message], max_df: float = 0.2) -> sparse.csr_matrix:
    """Return L2-normalised TF-IDF rows over character 2–3-grams of the titles stripped of places."""
    return _tfidf([clean(problem_text(m.title)) for m in messages], max_df)


def _tfidf(docs: list[str], max_df: float) -> sparse.csr_matrix:
    # Hashing skips building and sorting a vocabulary of millions of n-grams (most of TfidfVectorizer's time).
    counts = HashingVectorizer(
        analyzer="char", ngram_range=(2, 3), n_features=2**21, alternate_sign=False, norm=None, dtype=np.float32
    ).transform(docs)
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    # n-grams in more than max_df of the messages (问题, 小区…) say nothing about which issue it is; a small
    # table has no such statistics, so the cut only applies above 50 messages.
    keep = sparse.diags((df <= max(50, max_df * counts.shape[0])).astype(np.float32))
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts @ keep)
    return sparse.csr_matrix(tfidf, dtype=np.float32)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def _postings(keys: Sequence[Sequence[str]], max_posting: int) -> list[list[int]]:
    index: dict[str, list[int]] = {}
    for i, ks in enumerate(keys):
        for k in ks:
            index.setdefault(k, []).append(i)
    return [v for v in index.values() if 1 < len(v) <= max_posting]


def _block_pairs(blocks: list[list[int]], n: int) -> np.ndarray:
    """Return the distinct pairs i < j inside the blocks, encoded as i * n + j."""
    codes: list[np.ndarray] = []
    for block in blocks:
        idx = np.asarray(sorted(block), dtype=np.int64)
        a, b = np.triu_indices(len(idx), k=1)
        codes.append(idx[a] * n + idx[b])
    return np.unique(np.concatenate(codes)) if codes else np.empty(0, dtype=np.int64)


def _pair_cosine(x: sparse.csr_matrix, codes: np.ndarray, n: int, chunk: int = 20_000) -> np.ndarray:
    """Return the cosine of each encoded pair (rows of x are L2-normalised)."""
    out = np.empty(len(codes), dtype=np.float32)
    for lo in range(0, len(codes), chunk):
        part = codes[lo : lo + chunk]
        out[lo : lo + chunk] = np.asarray(x[part // n].multiply(x[part % n]).sum(axis=1)).ravel()
    return out


def _title_terms(messages: Sequence[Message], top: int) -> list[list[str]]:
    """Return the rarest character 4-grams of each title: shared ones catch places the regex missed."""
    titles = [clean(m.title) for m in messages]
    grams = [{t[i : i + 4] for i in range(len(t) - 3)} for t in titles]
    df = Counter(g for gs in grams for g in gs)
    return [sorted(gs, key=lambda g: (df[g], g))[:top] for gs in grams]


def _specific(names: Iterable[str]) -> set[str]:
    """Return the estate/POI/company cores of place names (roads are shared by many places)."""
    return {_GENERIC_END.sub("", n) or n for n in names if not _ROAD_END.search(n)}


def _conflict(a: set[str], b: set[str]) -> bool:
    """Tell whether two titles name specific places and none of them is the same (润芳园 vs 魅力之城)."""
    if not a or not b or a & b:
        return False
    return all(fuzz.partial_ratio(x, y) < 75 for x in a for y in b)


def _split(members: list[int], x: sparse.csr_matrix, threshold: float) -> list[list[int]]:
    """Re-cluster a large component with average linkage so that every cluster is coherent on average."""
    from sklearn.cluster import AgglomerativeClustering

    if len(members) > 5000:
        return [members]
    dist = np.clip(1.0 - _gram(x[members]), 0.0, 2.0)
    labels = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=1 - threshold
    ).fit_predict(dist)
    groups: dict[int, list[int]] = {}
    for m, label in zip(members, labels.tolist(), strict=True):
        groups.setdefault(label, []).append(m)
    return list(groups.values())


def _window(codes: np.ndarray, days: np.ndarray, n: int, window: float) -> np.ndarray:
    return codes[np.abs(days[codes // n] - days[codes % n]) <= window]


def cluster(
    messages: Sequence[Message], params: HotspotParams | None = None, x: sparse.csr_matrix | None = None
) -> list[list[int]]:
    """Group message indices about the same problem at the same place within the time window."""
    p = params or HotspotParams()
    n = len(messages)
    if not n:
        return []
    x = vectorise(messages, p.body_chars) if x is None else x
    days = np.array([m.at.timestamp() / 86400 for m in messages])
    keys = [place_keys(m, p.body_chars, p.standardise) for m in messages]
    by_place = _window(_block_pairs(_postings(keys, p.max_posting), n), days, n, p.window_days)
    by_title = _block_pairs(_postings(_title_terms(messages, p.title_terms), p.max_posting), n)
    by_title = _window(np.setdiff1d(by_title, by_place, assume_unique=True), days, n, p.window_days)
    uf = _UnionFind(n)
    title_places = [_specific(places(m.title)) for m in messages]
    # Same place: the problem words of the titles may agree (…搅拌厂 / …搅拌站) while long bodies dilute the match.
    xt = vectorise_problems(messages)
    # Only when both titles name the same place: "什么时候修" alone says nothing.
    named = [set(places(m.title)) for m in messages]
    full, problem = _pair_cosine(x, by_place, n), _pair_cosine(xt, by_place, n)
    for code, a, b in zip(by_place.tolist(), full.tolist(), problem.tolist(), strict=True):
        i, j = divmod(code, n)
        same_title_place = bool(named[i] & named[j])
        if (a >= p.similarity or (same_title_place and b >= p.similarity)) and not _conflict(
            title_places[i], title_places[j]
        ):
            uf.union(i, j)
    for code in by_title[_pair_cosine(x, by_title, n) >= p.similarity_no_place].tolist():
        i, j = divmod(code, n)
        if not _conflict(title_places[i], title_places[j]):
            uf.union(i, j)
    comps: dict[int, list[int]] = {}
    for i in range(n):
        comps.setdefault(uf.find(i), []).append(i)
    out: list[list[int]] = []
    for members in comps.values():
        out += _split(members, x, p.split_similarity) if len(members) > p.split_above else [members]
    return out


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


def _gram(rows: sparse.csr_matrix) -> np.ndarray:
    """Return the dense cosine matrix of a few rows (columns compacted first: x has 2**21 of them)."""
    used = np.unique(rows.indices)
    small = rows[:, used]
    return np.asarray((small @ small.T).toarray())


def _medoid(members: list[int], x: sparse.csr_matrix) -> int:
    if len(members) == 1:
        return members[0]
    sims = _gram(x[members]).sum(axis=1)
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
    x = vectorise(messages, p.body_chars)
    now = max(m.at for m in messages)
    issues: list[HotIssue] = []
    for members in cluster(messages, p, x):
        group = [messages[i] for i in members]
        if not _eligible(group, p):
            continue
        comps = heat_components(group, now)
        issues.append(_issue(group, comps, messages[_medoid(members, x)].title))
    issues.sort(key=lambda h: (-h.heat, h.start))
    return [_renumber(h, i + 1) for i, h in enumerate(issues[:top])]


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
