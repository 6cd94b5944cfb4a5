"""Case states, grades, channels, appeal types and the transition table: declared once, read everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cityloop.kit.auth import Role


class State(StrEnum):
    """Where a case stands in the loop."""

    RECEIVED = "received"
    DISPATCHED = "dispatched"
    HANDLING = "handling"
    RETURN_REQUESTED = "return_requested"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    VERIFIED = "verified"
    REVISITED = "revisited"
    CLOSED = "closed"
    INVALID = "invalid"
    MERGED = "merged"


STATE_META: dict[State, tuple[str, str, str]] = {
    State.RECEIVED: ("待派单", "Awaiting dispatch", "#1677ff"),
    State.DISPATCHED: ("待签收", "Awaiting sign-off", "#13c2c2"),
    State.HANDLING: ("处置中", "Being handled", "#fa8c16"),
    State.RETURN_REQUESTED: ("退回待审", "Return requested", "#eb2f96"),
    State.SUSPENDED: ("已挂起", "Suspended", "#8c8c8c"),
    State.COMPLETED: ("已办结待核查", "Completed, to verify", "#52c41a"),
    State.VERIFIED: ("已核查待回访", "Verified, to revisit", "#389e0d"),
    State.REVISITED: ("已回访待归档", "Revisited, to close", "#237804"),
    State.CLOSED: ("已归档", "Closed", "#595959"),
    State.INVALID: ("无效", "Invalid", "#bfbfbf"),
    State.MERGED: ("已合并", "Merged", "#bfbfbf"),
}

OPEN_STATES = frozenset(
    {State.RECEIVED, State.DISPATCHED, State.HANDLING, State.RETURN_REQUESTED, State.SUSPENDED}
)
DONE_STATES = frozenset({State.COMPLETED, State.VERIFIED, State.REVISITED, State.CLOSED})
TERMINAL_STATES = frozenset({State.CLOSED, State.INVALID, State.MERGED})


class Grade(StrEnum):
    """Case grade (Deyang): C ordinary, B key, A complex, major city-level."""

    C = "C"
    B = "B"
    A = "A"
    MAJOR = "major"


GRADE_META: dict[Grade, tuple[str, str]] = {
    Grade.C: ("一般", "Ordinary"),
    Grade.B: ("重点", "Key"),
    Grade.A: ("复杂疑难", "Complex"),
    Grade.MAJOR: ("重大", "Major"),
}
GRADE_ORDER = [Grade.C, Grade.B, Grade.A, Grade.MAJOR]


class Channel(StrEnum):
    """Where a case came from."""

    HOTLINE = "hotline"
    WEB = "web"
    APP = "app"
    GRID = "grid"
    IOT = "iot"
    VIDEO = "video"
    LETTER = "letter"
    OPEN311 = "open311"
    SYSTEM = "system"


CHANNEL_META: dict[Channel, tuple[str, str]] = {
    Channel.HOTLINE: ("12345热线", "Hotline"),
    Channel.WEB: ("网站", "Web"),
    Channel.APP: ("移动端", "App"),
    Channel.GRID: ("网格巡查", "Grid patrol"),
    Channel.IOT: ("物联感知", "IoT alarm"),
    Channel.VIDEO: ("视频智能", "AI video"),
    Channel.LETTER: ("来信", "Letter"),
    Channel.OPEN311: ("Open311", "Open311"),
    Channel.SYSTEM: ("其他系统", "Other system"),
}


class AppealType(StrEnum):
    """诉求类型 with the Guangdong default limits in `DEFAULT_LIMIT_WD`."""

    CONSULT = "consult"
    HELP = "help"
    SUGGEST = "suggest"
    COMPLAIN = "complain"
    REPORT = "report"
    EVENT = "event"


APPEAL_META: dict[AppealType, tuple[str, str]] = {
    AppealType.CONSULT: ("咨询", "Consultation"),
    AppealType.HELP: ("求助", "Help"),
    AppealType.SUGGEST: ("建议", "Suggestion"),
    AppealType.COMPLAIN: ("投诉", "Complaint"),
    AppealType.REPORT: ("举报", "Report"),
    AppealType.EVENT: ("事件", "Event"),
}

DEFAULT_LIMIT_WD: dict[AppealType, int] = {
    AppealType.CONSULT: 2,
    AppealType.HELP: 10,
    AppealType.SUGGEST: 10,
    AppealType.COMPLAIN: 15,
    AppealType.REPORT: 15,
    AppealType.EVENT: 5,
}


class Satisfaction(StrEnum):
    """Revisit outcome."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


SATISFACTION_META: dict[Satisfaction, tuple[str, str]] = {
    Satisfaction.SATISFIED: ("满意", "Satisfied"),
    Satisfaction.BASICALLY_SATISFIED: ("基本满意", "Basically satisfied"),
    Satisfaction.DISSATISFIED: ("不满意", "Dissatisfied"),
}


class Card(StrEnum):
    """Deadline warning card."""

    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Transition:
    """One action: allowed source states, target (None keeps the state), roles, labels."""

    action: str
    sources: frozenset[State]
    target: State | None
    roles: frozenset[Role]
    zh: str
    en: str
    unit_bound: bool = False  # the actor must belong to the case's unit


def _t(action: str, sources: set[State], target: State | None, roles: set[Role], zh: str, en: str,
       unit_bound: bool = False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), zh, en, unit_bound)


_D, _H, _S, _G, _A = Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR, Role.GRID_WORKER, Role.AGENT
_WORKING = {State.DISPATCHED, State.HANDLING}

TRANSITIONS: dict[str, Transition] = {t.action: t for t in [
    _t("dispatch", {State.RECEIVED}, State.DISPATCHED, {_D}, "派单", "Dispatch"),
    _t("sign", {State.DISPATCHED}, State.HANDLING, {_H}, "签收", "Sign", unit_bound=True),
    _t("return", _WORKING, State.RETURN_REQUESTED, {_H}, "退回", "Return", unit_bound=True),
    _t("approve_return", {State.RETURN_REQUESTED}, State.RECEIVED, {_D, _S}, "同意退回", "Approve return"),
    _t("reject_return", {State.RETURN_REQUESTED}, State.HANDLING, {_D, _S}, "驳回退回", "Reject return"),
    _t("reassign", _WORKING | {State.RETURN_REQUESTED}, State.DISPATCHED, {_D}, "转派", "Reassign"),
    _t("request_extension", {State.HANDLING}, None, {_H}, "申请延期", "Request extension", unit_bound=True),
    _t("approve_extension", {State.HANDLING, State.SUSPENDED}, None, {_S, _D}, "批准延期", "Approve extension"),
    _t("reject_extension", {State.HANDLING, State.SUSPENDED}, None, {_S, _D}, "驳回延期", "Reject extension"),
    _t("suspend", {State.HANDLING}, State.SUSPENDED, {_S, _D}, "挂起", "Suspend"),
    _t("resume", {State.SUSPENDED}, State.HANDLING, {_S, _D}, "恢复", "Resume"),
    _t("complete", {State.HANDLING}, State.COMPLETED, {_H}, "办结答复", "Complete", unit_bound=True),
    _t("verify", {State.COMPLETED}, None, {_G, _D}, "核查", "Verify"),
    _t("revisit", {State.VERIFIED}, State.REVISITED, {_A, _D}, "回访", "Revisit"),
    _t("close", {State.VERIFIED, State.REVISITED}, State.CLOSED, {_D, _A}, "归档", "Close"),
    _t("reopen", {State.REVISITED, State.CLOSED, State.VERIFIED}, State.DISPATCHED, {_D, _S}, "重办", "Reopen"),
    _t("invalidate", {State.RECEIVED}, State.INVALID, {_D}, "无效", "Invalidate"),
    _t("merge", {State.RECEIVED, State.DISPATCHED}, State.MERGED, {_D}, "合并", "Merge as duplicate"),
    _t("urge", set(OPEN_STATES - {State.RECEIVED}), None, {_S}, "督办", "Urge"),
    _t("escalate", set(OPEN_STATES), None, {_S}, "提级", "Escalate"),
]}

# Events that are not actions a user can pick.
EVENT_LABELS: dict[str, tuple[str, str]] = {
    "receive": ("受理", "Receive"),
    "auto_dispatch": ("自动派单", "Auto-dispatch"),
    "recategorize": ("改类", "Re-categorise"),
    "card": ("亮灯", "Card"),
    "citizen_rating": ("群众评价", "Citizen rating"),
    "iot_breach": ("设备再次超限", "Sensor breached again"),
    "iot_recovered": ("设备读数恢复正常", "Sensor back to normal"),
    "open311_sent": ("已推送至对接系统", "Sent to the unit's external system"),
    "open311_failed": ("推送对接系统失败", "Sending to the external system failed"),
    "open311_update": ("对接系统回传进展", "Update from the external system"),
    "anonymise": ("反映人信息已按保存期限删除", "Reporter identity deleted (retention period over)"),
    "erase": ("应本人请求删除个人信息", "Personal data erased at the person's request"),
    "legal_hold": ("依法保全（暂停删除）", "Legal hold (no erasure)"),
    "legal_hold_released": ("解除保全", "Legal hold released"),
    "video_alarm": ("视频再次告警", "Camera alarmed again"),
    "video_false_alarm": ("视频误报", "Video false alarm"),
    **{a: (t.zh, t.en) for a, t in TRANSITIONS.items()},
}


class Stage(StrEnum):
    """The clock a waiting case runs against: the dispatcher's (即时分转) or the unit's (办理期限)."""

    DISPATCH = "dispatch"
    HANDLING = "handling"


# System events of the dispatch stage get their own label, so the history says whose clock ran out.
_DISPATCH_STAGE_LABELS: dict[str, tuple[str, str]] = {
    "card": ("派单亮灯", "Dispatch card"),
    "urge": ("派单超时督办", "Urge: dispatch overdue"),
    "escalate": ("派单超时提级", "Escalate: dispatch overdue"),
}


def event_label(action: str, data: dict[str, object] | None) -> tuple[str, str]:
    """(zh, en) label of a history event, naming the dispatch stage for its cards, urges and escalations."""
    if data and data.get("stage") == Stage.DISPATCH and action in _DISPATCH_STAGE_LABELS:
        return _DISPATCH_STAGE_LABELS[action]
    return EVENT_LABELS.get(action, (action, action))


def allowed_actions(state: State) -> list[str]:
    """Actions whose source states include `state`."""
    return [a for a, t in TRANSITIONS.items() if state in t.sources]
