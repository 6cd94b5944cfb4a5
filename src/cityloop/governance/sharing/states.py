"""Declared once: sharing and opening types, request states with labels and colours, and the transition table."""

from __future__ import annotations

from enum import StrEnum


class SharingType(StrEnum):
    """共享类型 of a resource."""

    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NONE = "none"


class OpeningType(StrEnum):
    """开放类型 of a resource."""

    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NONE = "none"


class Frequency(StrEnum):
    """How often a resource's data changes."""

    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class RequestState(StrEnum):
    """States of a sharing request."""

    PENDING_OWNER = "pending_owner"
    PENDING_BUREAU = "pending_bureau"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"


class ExportState(StrEnum):
    """States of an approval to export personal data in clear."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    USED = "used"


SHARING_META: dict[str, tuple[str, str]] = {
    SharingType.UNCONDITIONAL: ("无条件共享", "Shared without conditions"),
    SharingType.CONDITIONAL: ("有条件共享", "Shared on conditions"),
    SharingType.NONE: ("不予共享", "Not shared"),
}
OPENING_META: dict[str, tuple[str, str]] = {
    OpeningType.UNCONDITIONAL: ("无条件开放", "Open without conditions"),
    OpeningType.CONDITIONAL: ("有条件开放", "Open on conditions"),
    OpeningType.NONE: ("不予开放", "Not open"),
}
FREQUENCY_META: dict[str, tuple[str, str]] = {
    Frequency.REALTIME: ("实时", "Real time"), Frequency.DAILY: ("每日", "Daily"),
    Frequency.WEEKLY: ("每周", "Weekly"), Frequency.MONTHLY: ("每月", "Monthly"), Frequency.YEARLY: ("每年", "Yearly"),
}
REQUEST_META: dict[str, tuple[str, str, str]] = {
    RequestState.PENDING_OWNER: ("待数源单位审批", "Awaiting the owner", "#e6a23c"),
    RequestState.PENDING_BUREAU: ("待数据局复核", "Awaiting the data bureau", "#e6a23c"),
    RequestState.APPROVED: ("已批准", "Approved", "#67c23a"),
    RequestState.REJECTED: ("已驳回", "Rejected", "#f56c6c"),
    RequestState.WITHDRAWN: ("已撤回", "Withdrawn", "#909399"),
    RequestState.REVOKED: ("已撤销授权", "Revoked", "#909399"),
}
EXPORT_META: dict[str, tuple[str, str, str]] = {
    ExportState.PENDING: ("待审批", "Pending", "#e6a23c"),
    ExportState.APPROVED: ("已批准", "Approved", "#67c23a"),
    ExportState.REJECTED: ("已驳回", "Rejected", "#f56c6c"),
    ExportState.USED: ("已使用", "Used", "#909399"),
}

# (state, action) → next state. The owner's approval goes to the data bureau when the request touches 重要 data;
# the service picks `approve_owner`'s target from the request. Final states have no way out.
TRANSITIONS: dict[tuple[RequestState, str], RequestState] = {
    (RequestState.PENDING_OWNER, "approve_owner"): RequestState.APPROVED,
    (RequestState.PENDING_OWNER, "reject"): RequestState.REJECTED,
    (RequestState.PENDING_OWNER, "withdraw"): RequestState.WITHDRAWN,
    (RequestState.PENDING_BUREAU, "approve_bureau"): RequestState.APPROVED,
    (RequestState.PENDING_BUREAU, "reject"): RequestState.REJECTED,
    (RequestState.PENDING_BUREAU, "withdraw"): RequestState.WITHDRAWN,
    (RequestState.APPROVED, "revoke"): RequestState.REVOKED,
}
FINAL = frozenset({RequestState.REJECTED, RequestState.WITHDRAWN, RequestState.REVOKED})
ACTIONS = ("approve_owner", "approve_bureau", "reject", "withdraw", "revoke")
ACTION_META: dict[str, tuple[str, str]] = {
    "submit": ("提交申请", "Submitted"), "approve_owner": ("数源单位批准", "Approved by the owner"),
    "approve_bureau": ("数据局复核通过", "Approved by the data bureau"), "reject": ("驳回", "Rejected"),
    "withdraw": ("撤回", "Withdrawn"), "revoke": ("撤销授权", "Revoked"),
}
