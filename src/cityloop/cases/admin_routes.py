"""API for reference data, taxonomy and holiday overrides, and public tracking by number + code."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from cityloop.accounts.deps import CurrentSubject
from cityloop.audit import service as audit
from cityloop.cases import admin, taxonomy
from cityloop.cases import repository as repo
from cityloop.cases.public import track
from cityloop.kit.auth import Role
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import Forbidden, NotFound, TooManyRequests, error_responses
from cityloop.kit.ratelimit import per_address

router = APIRouter(prefix="/api/v1", tags=["administration"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OverrideIn(BaseModel):
    """A working-day override."""

    is_workday: bool
    note: str = Field(default="", max_length=120)


@router.get("/reference")
def reference(subject: CurrentSubject) -> dict[str, Any]:
    """Labels (zh/en) and colours of states, actions, channels, appeal types, grades."""
    return admin.reference()


@router.get("/taxonomy", responses=error_responses(Forbidden))
def taxonomy_tree(session: DbSession, subject: CurrentSubject,
                  version_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> dict[str, Any]:
    """The category tree with the responsibility rules of each leaf."""
    return admin.taxonomy_tree(session, subject, version_id)


@router.post("/taxonomy/import", status_code=201, responses=error_responses(Forbidden))
def taxonomy_import(session: DbSession, subject: CurrentSubject, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Import a CSV/XLSX taxonomy + responsibility list as the new active version."""
    admin.require(subject, Role.ADMIN)
    suffix = Path(file.filename or "upload.csv").suffix.lower()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"taxonomy{suffix if suffix in {'.csv', '.xlsx'} else '.csv'}"
        path.write_bytes(file.file.read())
        version = taxonomy.import_taxonomy(session, path, Path(file.filename or "upload").stem)
        audit.record(session, subject, "import_taxonomy", "taxonomy_version", [version.id], {"file": file.filename})
        session.commit()
    return {"version": version.id, "label": version.label}


@router.get("/taxonomy/export", response_class=FileResponse, responses={
    **error_responses(Forbidden),
    200: {"description": "The taxonomy file", "content": {"text/csv": {}, XLSX: {}}}})
def taxonomy_export(session: DbSession, subject: CurrentSubject,
                    fmt: Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$")] = "xlsx") -> FileResponse:
    """Download the active taxonomy in the import format."""
    admin.require(subject, Role.ADMIN, Role.DISPATCHER, Role.SUPERVISOR)
    version = repo.active_version(session)
    rows = taxonomy.export_rows(session, version.id) if version else []
    out = Path(tempfile.mkdtemp()) / f"taxonomy.{fmt}"
    taxonomy.write_rows(rows, out)
    return FileResponse(out, filename=out.name)


@router.get("/holidays", responses=error_responses(Forbidden))
def list_holidays(session: DbSession, subject: CurrentSubject) -> list[dict[str, Any]]:
    """Admin overrides of the working-day calendar."""
    return admin.list_overrides(session, subject)


@router.put("/holidays/{day}", responses=error_responses(Forbidden))
def set_holiday(day: date, body: OverrideIn, session: DbSession, subject: CurrentSubject) -> dict[str, Any]:
    """Make `day` a working day or a day off."""
    return admin.set_override(session, subject, day, body.is_workday, body.note)


@router.delete("/holidays/{day}", status_code=204, responses=error_responses(Forbidden, NotFound))
def delete_holiday(day: date, session: DbSession, subject: CurrentSubject) -> None:
    """Remove an override."""
    admin.delete_override(session, subject, day)


@router.get("/track", responses=error_responses(NotFound, TooManyRequests),
            dependencies=[Depends(per_address("track"))])
def track_case(session: DbSession, lang: Lang, number: Annotated[str, Query(min_length=4, max_length=24)],
               code: Annotated[str, Query(min_length=4, max_length=12)]) -> dict[str, Any]:
    """Public tracking: the case number plus its lookup code is the credential."""
    return track(session, number, code, lang)
