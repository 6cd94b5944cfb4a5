"""Shapes of the video alarm API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cityloop.kit.clock import LOCAL_TZ


class VideoAlarmIn(BaseModel):
    """One detection reported by the video analytics platform."""

    model_config = ConfigDict(extra="forbid")

    camera_id: str = Field(min_length=1, max_length=64)
    event_class: str = Field(min_length=1, max_length=40, description="占道经营, 乱堆物料, 暴露垃圾, 违停, 沿街晾挂 …")
    confidence: float = Field(ge=0, le=1)
    time: datetime = Field(description="When the camera saw it (ISO-8601; without a zone it is Beijing time)")
    snapshot_url: str = Field(min_length=8, max_length=500, description="http(s) address of the snapshot")

    @field_validator("snapshot_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        # Shown as a link and an image on the case: plain web addresses only, never javascript: or file:.
        lowered = value.strip().lower()
        if not lowered.startswith(("https://", "http://")) or any(c in value for c in "\\\x00 \"'<>"):
            raise ValueError("snapshot_url must be an http(s) address")
        return value.strip()

    @field_validator("time")
    @classmethod
    def _local_if_naive(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


class VideoAlarmOut(BaseModel):
    """What became of an alarm."""

    outcome: Literal["opened", "appended", "below_threshold"] = Field(
        description="opened: a new case; appended: joined the open case of this camera and class; below_threshold: "
        "ignored")
    alarm_id: int | None = Field(description="The alarm episode (use it to report a false alarm)")
    case_id: int | None
    count: int = Field(description="Alarms in the episode so far")
    threshold: float = Field(description="Confidence this camera's alarms of this class need")


class FalseAlarmOut(BaseModel):
    """The outcome of a false-alarm verdict."""

    alarm_id: int
    case_id: int | None
    invalidated: bool = Field(description="The case was declared invalid (only possible while awaiting dispatch)")
    threshold: float = Field(description="The camera's new threshold for this class")
