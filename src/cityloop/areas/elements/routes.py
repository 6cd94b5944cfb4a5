"""Elements API: block data (counts and lists per division or grid), element import and moves, address search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from cityloop.accounts.deps import CurrentSubject, OptionalSubject
from cityloop.areas.addresses import standard as standard_addresses
from cityloop.areas.elements import blocks
from cityloop.areas.elements import service as elements
from cityloop.areas.elements.models import ElementKind
from cityloop.kit.deps import DbSession, Paging
from cityloop.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed, error_responses

router = APIRouter(prefix="/api/v1", tags=["elements"])

MAX_UPLOAD = 20 * 1024 * 1024
AreaCode = Annotated[str, Path(pattern=r"^[0-9]{2,16}$", description="Division code or 16-digit grid code")]
ElementCode = Annotated[str, Path(pattern=r"^[0-9]{36}$", description="36-digit unified element code")]


class MoveIn(BaseModel):
    """The element's new point (WGS84)."""

    model_config = ConfigDict(extra="forbid")

    lng: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


@router.get("/blocks/{code}", responses=error_responses(Forbidden, NotFound))
def block_counts(session: DbSession, subject: CurrentSubject, code: AreaCode) -> dict[str, Any]:
    """Counts of addresses, buildings, residents, entities, components (by class), key places and open cases."""
    return blocks.counts(session, subject, code)


@router.get("/blocks/{code}/{kind}", responses=error_responses(Forbidden, NotFound))
def block_items(session: DbSession, subject: CurrentSubject, code: AreaCode, kind: ElementKind, page: Paging,
                element_class: Annotated[int | None, Query(ge=1, le=7, description="Components of one class")] = None
                ) -> dict[str, Any]:
    """One page of the elements of a kind in a division or grid (personal data masked unless allowed)."""
    return blocks.items(session, subject, code, kind, page.offset, page.limit, element_class)


@router.post("/elements/{kind}/import", responses=error_responses(Forbidden, Conflict))
def import_elements(session: DbSession, subject: CurrentSubject, kind: ElementKind,
                    file: Annotated[UploadFile, File(description="CSV (UTF-8) or XLSX")],
                    keep_good: bool = False) -> dict[str, Any]:
    """Import elements (admin); all-or-nothing with row-level errors unless `keep_good`."""
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValidationFailed({"file": ("文件过大（最大20MB）", "file too large (20 MB at most)")})
    return elements.import_file(session, subject, kind, data, file.filename or "upload.csv", keep_good).to_dict()


@router.post("/elements/{kind}/{code}/move", responses=error_responses(Forbidden, NotFound))
def move_element(session: DbSession, subject: CurrentSubject, kind: ElementKind, code: ElementCode,
                 body: MoveIn) -> dict[str, Any]:
    """Move an element to a new point (admin, grid worker); grid and division follow, the code stays."""
    return elements.move(session, subject, kind, code, body.lng, body.lat)


@router.get("/addresses/search")
def search_addresses(session: DbSession, subject: OptionalSubject,
                     q: Annotated[str, Query(min_length=1, max_length=100)],
                     limit: Annotated[int, Query(ge=1, le=standard_addresses.SEARCH_LIMIT)] = 10
                     ) -> list[dict[str, Any]]:
    """Standard-address suggestions: staff get their area with points, the public portal gets text only."""
    return standard_addresses.search(session, subject, q, limit)
