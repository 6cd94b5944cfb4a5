"""Application states and transitions, declared once (labels zh/en and colour)."""

from __future__ import annotations

from enum import StrEnum


class AppState(StrEnum):
    """States of an application (办件)."""

    SUBMITTED = "submitted"      # 申请
    CORRECTION = "correction"    # 补正 (the clock is suspended)
    ACCEPTED = "accepted"        # 受理
    REJECTED = "rejected"        # 不予受理
    REVIEWING = "reviewing"      # 审查
    APPROVED = "approved"        # 办结·准予
    DENIED = "denied"            # 办结·不予
    DELIVERED = "delivered"      # 送达


APP_STATE_META: dict[str, tuple[str, str, str]] = {
    AppState.SUBMITTED: ("申请", "Submitted", "#1677ff"),
    AppState.CORRECTION: ("补正", "Correction", "#fa8c16"),
    AppState.ACCEPTED: ("受理", "Accepted", "#13c2c2"),
    AppState.REJECTED: ("不予受理", "Not accepted", "#8c8c8c"),
    AppState.REVIEWING: ("审查", "Under review", "#722ed1"),
    AppState.APPROVED: ("办结（准予）", "Approved", "#52c41a"),
    AppState.DENIED: ("办结（不予）", "Denied", "#f5222d"),
    AppState.DELIVERED: ("送达", "Delivered", "#389e0d"),
}

# action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "request_correction": (frozenset({AppState.SUBMITTED}), AppState.CORRECTION),
    "resubmit": (frozenset({AppState.CORRECTION}), AppState.SUBMITTED),
    "accept": (frozenset({AppState.SUBMITTED}), AppState.ACCEPTED),
    "reject": (frozenset({AppState.SUBMITTED, AppState.CORRECTION}), AppState.REJECTED),
    "review": (frozenset({AppState.ACCEPTED}), AppState.REVIEWING),
    "approve": (frozenset({AppState.ACCEPTED, AppState.REVIEWING}), AppState.APPROVED),
    "deny": (frozenset({AppState.ACCEPTED, AppState.REVIEWING}), AppState.DENIED),
    "deliver": (frozenset({AppState.APPROVED, AppState.DENIED}), AppState.DELIVERED),
}
OPEN_STATES = frozenset({AppState.SUBMITTED, AppState.CORRECTION, AppState.ACCEPTED, AppState.REVIEWING})
DONE_STATES = frozenset({AppState.APPROVED, AppState.DENIED, AppState.DELIVERED})
