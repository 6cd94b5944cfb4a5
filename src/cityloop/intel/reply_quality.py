"""Reply quality (答复意见质量): relevance, completeness, interpretability, timeliness, formulaic/empty flags."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from cityloop.intel import text as textmod
from cityloop.intel.dedup.index import clean, jaccard, shingles
from cityloop.kit.calendar import WorkCalendar

# Overall = Σ weight × sub-score (each 0–1) × 100, minus flag penalties; see docs/intel_analytics.md.
WEIGHTS: dict[str, float] = {"relevance": 0.3, "completeness": 0.3, "interpretability": 0.2, "timeliness": 0.2}
PENALTIES: dict[str, float] = {"empty": 100.0, "formulaic": 20.0, "too_short": 10.0}
# Working days within which a reply is fully timely, and after which it scores 0 (linear in between).
ON_TIME_DAYS, LATE_DAYS = 5, 20

_LAW_RE = re.compile(r"《[^》]{2,40}》|第[一二三四五六七八九十百零\d]+条|(?:法|条例|规定|办法|细则)(?:规定|要求)")
_STEP_RE = re.compile(
    r"(?:^|[\s。；;：:])(?:[一二三四五六七八九十]+、|\d+[、.．)]|（[一二三四五六七八九十\d]+）"
    r"|首先|其次|然后|最后|第[一二三四]步)"
)
_PHONE_RE = re.compile(r"(?<!\d)(?:0\d{2,3}-?\d{7,8}|1[3-9]\d{9}|12345|\d{3,4}-\d{4}-?\d{0,4})(?!\d)")
_DEPT_RE = re.compile(r"[\u4e00-\u9fff]{2,12}(?:局|委员会|委|办公室|办|中心|街道|社区|公司|所|队|站|科|处)")
_RESULT_RE = re.compile(
    r"(?:已|已经|现已|目前已)[\u4e00-\u9fff]{0,6}"
    r"(?:处理|整改|解决|完成|修复|清理|拆除|查处|落实|办理|安排|协调)"
)
_MEASURE_RE = re.compile(r"(?:将|计划|拟|下一步|责令|要求|督促|安排|加强|组织|开展|采取|制定|落实)")
_QUESTION_RE = re.compile(
    r"[?？]|(?:是否|能否|可否|何时|什么时候|为什么|怎么|如何|多久|哪里|哪个|有没有|合理吗|合法吗)"
)
TEMPLATE_PHRASES: tuple[str, ...] = (
    "您好",
    "来信收悉",
    "感谢您对我们工作的关心和支持",
    "感谢您对我们工作的支持",
    "已转交相关部门",
    "已转相关部门处理",
    "我们将高度重视",
    "请耐心等待",
    "敬请谅解",
    "如有疑问",
    "祝您生活愉快",
)


@dataclass(frozen=True)
class ReplyScore:
    """Sub-scores (0–1), overall score (0–100) and flags of one reply."""

    relevance: float
    completeness: float
    interpretability: float
    timeliness: float | None
    overall: float
    workdays: int | None = None
    flags: tuple[str, ...] = ()
    details: dict[str, object] = field(default_factory=dict)


def _content(text: str) -> str:
    return clean(text, 2000)


def relevance(message: str, reply: str) -> float:
    """Return how much of the message's content words the reply takes up (0–1), with a character-overlap floor."""
    asked = {w for w in textmod.tokenize(message, max_chars=1000) if len(w) > 1}
    if not asked:
        return 0.0
    replied = _content(reply)
    covered = sum(1 for w in asked if w.lower() in replied) / len(asked)
    overlap = jaccard(shingles(_content(message)), shingles(replied))
    # Word coverage answers "does it talk about what was asked"; bigram overlap catches paraphrases of short texts.
    return round(min(1.0, 1.2 * covered + 2.0 * overlap), 4)


def questions(message: str) -> list[str]:
    """Return the clauses of a message that ask something."""
    clauses = re.split(r"[。！!；;\n]", textmod.normalize(message))
    return [c.strip() for c in clauses if c.strip() and _QUESTION_RE.search(c)]


def completeness(message: str, reply: str) -> tuple[float, dict[str, object]]:
    """Return (score, details): questions answered (key words taken up), a stated result, measures taken."""
    asks = questions(message)
    replied = _content(reply)
    answered = 0
    for ask in asks:
        words = [w for w in textmod.tokenize(ask) if len(w) > 1]
        if words and sum(w.lower() in replied for w in words) / len(words) >= 0.3:
            answered += 1
    ask_score = answered / len(asks) if asks else 1.0
    has_result = bool(_RESULT_RE.search(reply))
    has_measure = bool(_MEASURE_RE.search(reply))
    score = 0.5 * ask_score + 0.3 * has_result + 0.2 * has_measure
    return round(score, 4), {
        "questions": len(asks),
        "answered": answered,
        "result": has_result,
        "measures": has_measure,
    }


def interpretability(reply: str) -> tuple[float, dict[str, object]]:
    """Return (score, details): cites rules or laws, gives steps, gives contacts (phones, departments)."""
    laws = _LAW_RE.findall(reply)
    steps = _STEP_RE.findall(reply)
    phones = _PHONE_RE.findall(reply)
    depts = sorted(set(_DEPT_RE.findall(reply)))
    score = 0.4 * bool(laws) + 0.3 * min(1.0, len(steps) / 2) + 0.15 * bool(phones) + 0.15 * bool(depts)
    return round(score, 4), {"laws": laws[:5], "steps": len(steps), "phones": phones[:3], "departments": depts[:5]}


def timeliness(
    asked: date | None, replied: date | None, calendar: WorkCalendar | None = None
) -> tuple[float | None, int | None]:
    """Return (score, working days from asked to replied); None when either date is missing."""
    if asked is None or replied is None:
        return None, None
    days = (calendar or WorkCalendar()).workdays_between(asked, replied)
    if days <= ON_TIME_DAYS:
        return 1.0, days
    return round(max(0.0, 1 - (days - ON_TIME_DAYS) / (LATE_DAYS - ON_TIME_DAYS)), 4), days


def template_share(reply: str) -> float:
    """Return the share of the reply's characters taken by template phrases."""
    body = textmod.normalize(reply, strip_boilerplate=False)
    if not body:
        return 1.0
    used = sum(len(p) * body.count(p) for p in TEMPLATE_PHRASES)
    return min(1.0, used / len(body))


def score(
    message: str,
    reply: str,
    asked: date | None = None,
    replied: date | None = None,
    *,
    others: Sequence[str] = (),
    calendar: WorkCalendar | None = None,
) -> ReplyScore:
    """Score one reply to one message; `others` are replies to other messages, to detect copy-paste."""
    body = _content(reply)
    if len(body) < 2:
        return ReplyScore(0.0, 0.0, 0.0, None, 0.0, None, ("empty",))
    rel = relevance(message, reply)
    comp, comp_d = completeness(message, reply)
    interp, interp_d = interpretability(reply)
    timely, workdays = timeliness(asked, replied, calendar)
    flags = _flags(reply, body, others)
    parts = {"relevance": rel, "completeness": comp, "interpretability": interp}
    weights = dict(WEIGHTS)
    if timely is None:
        # Without dates, the other weights are rescaled so the overall stays on 0–100.
        weights.pop("timeliness")
    else:
        parts["timeliness"] = timely
    total = sum(weights.values())
    overall = 100 * sum(weights[k] * parts[k] for k in weights) / total - sum(PENALTIES[f] for f in flags)
    details = {**comp_d, **interp_d, "template_share": round(template_share(reply), 3)}
    return ReplyScore(rel, comp, interp, timely, round(max(0.0, overall), 1), workdays, flags, details)


def _flags(reply: str, body: str, others: Sequence[str]) -> tuple[str, ...]:
    flags: list[str] = []
    if len(body) < 30:
        flags.append("too_short")
    mine = shingles(body)
    near_copy = any(jaccard(mine, shingles(_content(o))) >= 0.8 for o in others)
    if template_share(reply) >= 0.5 or near_copy:
        flags.append("formulaic")
    return tuple(flags)


def score_all(
    rows: Sequence[tuple[str, str, date | None, date | None]], calendar: WorkCalendar | None = None
) -> list[ReplyScore]:
    """Score many (message, reply, asked, replied) rows, flagging replies copied across messages."""
    from cityloop.intel.dedup.index import DedupParams, DuplicateIndex

    cal = calendar or WorkCalendar()
    # The LSH index finds near-identical replies among thousands without comparing every pair.
    index = DuplicateIndex(DedupParams(suggest_threshold=0.8, auto_merge_threshold=0.95))
    for i, (_, reply, _, _) in enumerate(rows):
        index.add(i, reply)
    replies = {i: row[1] for i, row in enumerate(rows)}
    out: list[ReplyScore] = []
    for i, (message, reply, asked, replied) in enumerate(rows):
        copies = [replies[m.id] for m in index.candidates_of(i).matches if m.id in replies]
        out.append(score(message, reply, asked, replied, others=copies, calendar=cal))
    return out


HINTS: dict[str, tuple[str, str]] = {
    "empty": ("答复内容为空，请填写处理情况。", "The reply is empty: describe what was done."),
    "formulaic": (
        "答复套话较多或与其他答复雷同，请针对来件具体情况答复。",
        "The reply is formulaic or copied from others: answer this case specifically.",
    ),
    "too_short": ("答复过短，请说明处理过程和结果。", "The reply is very short: explain the handling and the outcome."),
    "relevance": (
        "答复与来件诉求关联度低，请回应群众反映的具体问题。",
        "The reply barely addresses the message: respond to the issue raised.",
    ),
    "questions": ("来件中的提问未逐一回应。", "Not every question in the message is answered."),
    "result": ("未说明处理结果（如“已整改”“已解决”）。", "No outcome stated (e.g. fixed, resolved)."),
    "measures": ("未说明采取或将采取的措施。", "No measures taken or planned are described."),
    "laws": ("可引用相关法规政策（《…》第X条）说明依据。", "Cite the rule or law relied on (title, article)."),
    "contacts": ("可提供承办部门或联系电话，便于群众后续咨询。", "Give the handling department or a contact number."),
    "late": ("答复超过时限，请注意办理时效。", "The reply is late: mind the time limit."),
}


def hints(message: str, reply: str, asked: date | None = None, replied: date | None = None) -> list[dict[str, str]]:
    """Return zh/en hints for a handler about how to improve a reply (warnings, never a block)."""
    s = score(message, reply, asked, replied)
    keys = list(s.flags)
    if "empty" not in keys:
        keys += _weak_points(s)
    return [{"code": k, "zh": HINTS[k][0], "en": HINTS[k][1]} for k in dict.fromkeys(keys)]


def _weak_points(s: ReplyScore) -> list[str]:
    d = s.details
    keys: list[str] = []
    if s.relevance < 0.3:
        keys.append("relevance")
    if int(str(d.get("questions", 0))) > int(str(d.get("answered", 0))):
        keys.append("questions")
    if not d.get("result"):
        keys.append("result")
    if not d.get("measures"):
        keys.append("measures")
    if not d.get("laws"):
        keys.append("laws")
    if not d.get("phones") and not d.get("departments"):
        keys.append("contacts")
    if s.timeliness is not None and s.timeliness < 1.0:
        keys.append("late")
    return keys
