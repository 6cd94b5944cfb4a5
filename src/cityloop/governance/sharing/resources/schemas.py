"""Resource payloads: what an administrator sends, what a reader gets."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ResourceIn(BaseModel):
    """A resource as created or edited (checked by the service, which answers field by field in zh and en)."""

    code: str = Field(max_length=40, description="Stable code, lower-case letters, digits, - and _")
    title: str = Field(max_length=120)
    title_en: str = Field(default="", max_length=160)
    description: str = Field(default="", max_length=2000)
    owner_unit_id: int = Field(ge=0, le=2**31 - 1)
    kind: str = Field(default="api", description="table | view | api")
    source: str = Field(description="cases | service_items | grids | iot_readings")
    update_frequency: str = Field(description="realtime | daily | weekly | monthly | yearly")
    sharing_type: str = Field(description="unconditional | conditional | none (无条件/有条件/不予共享)")
    opening_type: str = Field(description="unconditional | conditional | none (无条件/有条件/不予开放)")
    conditions: str = Field(default="", max_length=2000, description="Conditions of sharing, or why it is refused")
    fields: list[str] = Field(max_length=60, description="Columns of the source the resource offers")
    is_active: bool = True


class FieldOut(BaseModel):
    """One offered column with its grade from the field catalogue."""

    name: str
    level: str
    pi: bool
    sensitive: bool
    mask: str | None


class ResourceOut(BaseModel):
    """A resource of the catalogue."""

    id: int
    code: str
    title: str
    title_en: str
    description: str
    owner_unit_id: int
    owner_unit: str
    kind: str
    source: str
    update_frequency: str
    sharing_type: str
    sharing_label: str
    opening_type: str
    opening_label: str
    conditions: str
    level: str = Field(description="The highest level of its fields (核心 > 重要 > 一般)")
    fields: list[FieldOut]
    is_active: bool
