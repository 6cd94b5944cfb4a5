"""Pydantic shapes of the case API (input validation and output)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from cityloop.cases.states import AppealType, Channel
from cityloop.kit.clock import LOCAL_TZ
from cityloop.kit.db import MAX_ID
from cityloop.kit.phones import MESSAGE as PHONE_MESSAGE
from cityloop.kit.phones import normalize_phone


def _no_nul(value: str) -> str:
    # Multipart forms bypass the NUL guard middleware; PostgreSQL text cannot hold NUL.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class ReporterIn(BaseModel):
    """Who raised the appeal; all optional for anonymous and sensor cases."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=40)

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str | None) -> str | None:
        return _no_nul(value) if value else value
    phone: str | None = Field(default=None, max_length=20, description="Mainland mobile (11 digits) or a landline "
                              "with area code; stored as digits.")

    @field_validator("phone")
    @classmethod
    def _mainland_phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        normal = normalize_phone(value)
        if normal is None:
            raise PydanticCustomError("phone_invalid", "{zh} / {en}", {"zh": PHONE_MESSAGE[0], "en": PHONE_MESSAGE[1]})
        return normal
    id_number: str | None = Field(default=None, pattern=r"^[0-9]{17}[0-9Xx]$|^[0-9]{15}$")


class LocationIn(BaseModel):
    """Where it happened: coordinates (WGS84), address text and/or a division code."""

    model_config = ConfigDict(extra="forbid")

    address: str | None = Field(default=None, max_length=300)

    @field_validator("address")
    @classmethod
    def _clean_address(cls, value: str | None) -> str | None:
        return _no_nul(value) if value else value
    lng: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    division_code: str | None = Field(default=None, pattern=r"^[0-9]{2,12}$")
    grid_code: str | None = Field(default=None, max_length=16)


class AttachmentIn(BaseModel):
    """Metadata of an uploaded file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size: int = Field(ge=0)
    url: str = Field(max_length=500)

    @field_validator("url")
    @classmethod
    def _safe_url(cls, value: str) -> str:
        # Pages render this as a link and an image: only our own files or plain web addresses, never javascript:.
        lowered = value.strip().lower()
        if not (lowered.startswith(("/files/", "https://", "http://")) and "\\" not in value and "\x00" not in value):
            raise ValueError("url must be /files/… or an http(s) address")
        return value.strip()


class CaseIn(BaseModel):
    """A new case from any channel."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel
    appeal_type: AppealType
    title: str = Field(min_length=2, max_length=200)
    content: str = Field(min_length=2, max_length=20000)
    reporter: ReporterIn = Field(default_factory=ReporterIn)
    location: LocationIn = Field(default_factory=LocationIn)
    category_code: str | None = Field(default=None, max_length=40)
    grade: str | None = Field(default=None, pattern=r"^(C|B|A|major)$")
    external_id: str | None = Field(default=None, max_length=80)
    source_system: str | None = Field(default=None, max_length=40)
    tags: list[str] = Field(default_factory=list, max_length=20)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    received_at: datetime | None = Field(
        default=None, description="For imports of historical cases only (administrators): from "
        "CITYLOOP_RECEIVED_AT_EARLIEST to a few minutes ahead of now; a time without zone is Beijing time.")

    @field_validator("title", "content")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return _no_nul(value.strip())

    @field_validator("received_at")
    @classmethod
    def _local_if_naive(cls, value: datetime | None) -> datetime | None:
        # A time without a zone is Beijing time, as in the hotline's own records (imports read it the same way).
        return value.replace(tzinfo=LOCAL_TZ) if value is not None and value.tzinfo is None else value


class ActionIn(BaseModel):
    """Body of a workflow action; each action reads the fields it needs."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)
    unit_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    reply: str | None = Field(default=None, max_length=20000)
    passed: bool | None = None
    satisfaction: str | None = Field(default=None, pattern=r"^(satisfied|basically_satisfied|dissatisfied)$")
    into: int | None = Field(default=None, ge=1, le=MAX_ID)
    days: float | None = Field(default=None, gt=0, le=60)
    category_code: str | None = Field(default=None, max_length=40)
    expected_version: int | None = Field(default=None, ge=1, le=MAX_ID, description="Optimistic lock: row version.")
    reply_by: datetime | None = Field(default=None, description="Urge: when the unit must answer (a time without "
                                      "zone is Beijing time).")

    @field_validator("reply_by")
    @classmethod
    def _reply_by_local(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=LOCAL_TZ) if value is not None and value.tzinfo is None else value
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=9,
                                            description="Photos or files of this step (e.g. the on-site check).")


class UnitOut(BaseModel):
    """A unit reference."""

    id: int
    name: str


class SuggestedUnit(BaseModel):
    """A unit proposed for a waiting case, from the responsibility list (`rule`) or the unit model (`model`)."""

    unit_id: int
    name: str
    score: float = Field(description="0–1; 1 for the unit the responsibility list names for the applied category")
    source: str


class EventOut(BaseModel):
    """One history entry."""

    action: str
    label: str
    from_state: str | None
    to_state: str | None
    actor: str
    actor_label: str = Field(default="", description="The person and their unit, or 系统自动 for the system")
    at: datetime
    note: str
    data: dict[str, Any]


class CaseOut(BaseModel):
    """A case as the caller may see it (personal data masked unless the role allows)."""

    id: int
    number: str
    lookup_code: str | None
    state: str
    state_label: str
    channel: str
    appeal_type: str
    title: str
    content: str
    reporter: dict[str, str | None]
    location: dict[str, Any]
    category: dict[str, Any] | None
    grade: str
    escalation_level: int
    unit: UnitOut | None
    received_at: datetime
    dispatch_deadline: datetime = Field(description="When the first dispatch is due (即时分转); `card` follows it "
                                        "while the case waits for dispatch.")
    dispatch_due_at: datetime | None = Field(
        default=None, description="While the case waits for dispatch: when the dispatch limit runs out (after a "
        "return, counted from the approved return); null otherwise.")
    suggested_units: list[SuggestedUnit] = Field(
        default_factory=list, description="While the case waits for dispatch (staff only): units to send it to, "
        "best first.")
    dispatched_at: datetime | None
    sign_deadline: datetime | None
    signed_at: datetime | None
    deadline: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    card: str
    reply: str | None
    satisfaction: str | None
    urge_count: int
    reopen_count: int
    pending_extension: float | None
    merged_into_id: int | None
    external_id: str | None
    tags: list[Any]
    attachments: list[Any]
    suggestions: dict[str, Any]
    version: int
    allowed_actions: list[str]
    history: list[EventOut] | None = None


class CasePage(BaseModel):
    """A page of cases."""

    items: list[CaseOut]
    total: int = Field(description="Matching cases; past 10,000 an estimate (see total_is_estimate)")
    offset: int
    limit: int
    total_is_estimate: bool = False
    next_cursor: str | None = Field(default=None, description="Pass as `after` for the next page (keyset paging)")
