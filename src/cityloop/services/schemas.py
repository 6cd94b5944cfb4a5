"""Pydantic shapes of the services API (items, guide, applications)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

Text = Annotated[str, Field(max_length=200)]


class ItemOut(BaseModel):
    """A catalogue item in search results."""

    code: str
    basic_code: str
    name: str
    unit: str
    item_type: str
    service_object: str
    promised_days: int
    legal_days: int
    channels: list[str]
    themes: list[str]
    version: int


class GuideIn(BaseModel):
    """An answer set: question key → option key."""

    answers: dict[Annotated[str, Field(max_length=40)], Text] = Field(default_factory=dict, max_length=50)


class MaterialOut(BaseModel):
    """A material the applicant must bring, with its count."""

    key: str
    name: str
    copies: int


class GuideOut(BaseModel):
    """The personalised material list and the printable 一次性告知单."""

    code: str
    name: str
    materials: list[MaterialOut]
    promised_days: int
    fees: str
    notice_url: str


class ApplicationIn(BaseModel):
    """A citizen's application: the item, guide answers, materials provided (keys) and form fields."""

    item_code: Annotated[str, Field(min_length=1, max_length=40)]
    answers: dict[Annotated[str, Field(max_length=40)], Text] = Field(default_factory=dict, max_length=50)
    materials: list[Text] = Field(default_factory=list, max_length=100)
    form: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict, max_length=50)
    phone: Annotated[str, Field(max_length=20, pattern=r"^(\+?[0-9][0-9-]{5,19})?$")] = ""


class ApplicationOut(BaseModel):
    """An application as the caller may see it."""

    id: int
    number: str
    item_code: str
    item_version: int
    state: str
    applicant_name: str | None
    applicant_phone: str | None
    received_at: datetime
    deadline: datetime
    card: str
    decision: str
    materials: list[Any]


class ActionIn(BaseModel):
    """One step on an application: the action, a note or decision text, the 补正 list, added materials."""

    action: Annotated[str, Field(max_length=30)]
    note: Annotated[str, Field(max_length=4000)] = ""
    missing: list[Text] = Field(default_factory=list, max_length=50)
    materials: list[Text] = Field(default_factory=list, max_length=50)


class EventOut(BaseModel):
    """One recorded step."""

    at: datetime
    action: str
    from_state: str
    to_state: str
    note: str
    data: dict[str, Any]


class EvaluationIn(BaseModel):
    """A 好差评 rating: 1 (非常不满意) to 5 (非常满意) with optional text (required for 1–2)."""

    score: Annotated[int, Field(ge=1, le=5)]
    text: Annotated[str, Field(max_length=2000)] = ""


class EvaluationOut(BaseModel):
    """A recorded rating and, for a 差评, its rectification case."""

    application_id: int
    score: int
    text: str
    case_id: int | None


class BundleGuideOut(BaseModel):
    """A bundle's merged material list (each once) and the items it files."""

    code: str
    name: str
    items: list[str]
    materials: list[MaterialOut]


class BundleFiledOut(BaseModel):
    """The applications a bundle filed: one per item, each with its own deadline."""

    bundle: str
    applications: list[ApplicationOut]


class PlaceOut(BaseModel):
    """A service place."""

    code: str
    name: str
    level: str
    address: str
    division_code: str
    lng: float
    lat: float
    hours: str
    phone: str
    windows: list[str]
    item_codes: list[str]
