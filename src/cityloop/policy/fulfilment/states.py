"""Fulfilment stages and actions, declared once (labels zh/en, colour, working-day limits, transitions)."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Where a fulfilment task stands."""

    VERIFY = "verify"        # 核验
    APPROVE = "approve"      # 审批
    PAY = "pay"              # 兑付/发放
    PAID = "paid"            # 已兑付
    REJECTED = "rejected"    # 已驳回
    WITHDRAWN = "withdrawn"  # 已撤回 (the subject stopped being eligible before payment)


STAGE_META: dict[str, tuple[str, str, str]] = {
    Stage.VERIFY: ("核验", "Verify", "#1677ff"),
    Stage.APPROVE: ("审批", "Approve", "#722ed1"),
    Stage.PAY: ("兑付/发放", "Pay out", "#fa8c16"),
    Stage.PAID: ("已兑付", "Paid", "#52c41a"),
    Stage.REJECTED: ("已驳回", "Rejected", "#f5222d"),
    Stage.WITHDRAWN: ("已撤回", "Withdrawn", "#8c8c8c"),
}
OPEN = frozenset({Stage.VERIFY, Stage.APPROVE, Stage.PAY})
FINAL = frozenset({Stage.PAID, Stage.REJECTED, Stage.WITHDRAWN})
# Working days each open stage may take (on the SLA calendar) before the sweep marks it overdue.
STAGE_DAYS: dict[str, int] = {Stage.VERIFY: 3, Stage.APPROVE: 5, Stage.PAY: 10}
# action → (stages it may start from, stage it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "verify": (frozenset({Stage.VERIFY}), Stage.APPROVE),
    "approve": (frozenset({Stage.APPROVE}), Stage.PAY),
    "pay": (frozenset({Stage.PAY}), Stage.PAID),
    "reject": (OPEN, Stage.REJECTED),
}
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "verify": ("核验通过", "Verified"), "approve": ("审批通过", "Approve"), "pay": ("确认兑付", "Mark paid"),
    "reject": ("驳回", "Reject"),
}


def next_actions(stage: str) -> list[str]:
    """The actions allowed from `stage`, forward step first."""
    return [a for a, (sources, _target) in TRANSITIONS.items() if stage in sources]
