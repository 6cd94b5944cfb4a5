"""Export approval payloads."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ExportRequestIn(BaseModel):
    """Ask to export one list with personal data in clear."""

    export: str = Field(max_length=40, description="dispatch-queue | inbox | overdue | case-file")
    reason: str = Field(max_length=2000, description="Why the clear data is needed (at least 5 characters)")


class DecisionIn(BaseModel):
    """Approve or reject; an approval is single use unless `single_use` is false (then valid for a day)."""

    approve: bool
    single_use: bool = True
    note: str = Field(default="", max_length=2000)


class ExportApprovalOut(BaseModel):
    """An export approval with its state."""

    id: int
    requester: str
    export: str
    reason: str
    state: str
    state_label: str
    single_use: bool
    approver: str | None
    note: str
    expires_at: datetime | None
    used_at: datetime | None
    created_at: datetime
