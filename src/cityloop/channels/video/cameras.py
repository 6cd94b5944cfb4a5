"""The camera registry: import from CSV/XLSX (camera_id,name,lng,lat), placed in a grid by their point."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from cityloop.areas.elements.table_import import read_checked, rejected, row_error
from cityloop.areas.grids import index as grid_index
from cityloop.audit import service as audit
from cityloop.channels.video import repository as repo
from cityloop.channels.video.models import Camera
from cityloop.config import get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden

COLUMNS = ("camera_id", "name", "lng", "lat")
Problem = tuple[str, str, str]


@dataclass
class CameraImport:
    """Outcome of a camera import."""

    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_cameras(session: Session, subject: Subject, data: bytes, filename: str, keep_good: bool = False
                   ) -> CameraImport:
    """Import cameras; all or nothing unless `keep_good`."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以导入摄像头", "Only administrators may import cameras")
    rows = [(line, *_parse(values)) for line, values in read_checked(data, filename, COLUMNS)]
    report = CameraImport(errors=[row_error(line, p) for line, _r, p in rows if p])
    if report.errors and not keep_good:
        raise rejected(report.errors)
    for _line, row, problems in rows:
        if not problems:
            _upsert(session, row, report)
    audit.record(session, subject, "import_video_cameras", "video_camera", [],
                 {"created": report.created, "updated": report.updated})
    session.commit()
    return report


def _parse(values: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    row: dict[str, Any] = {"camera_id": values.get("camera_id", "").strip(), "name": values.get("name", "").strip()}
    if not row["camera_id"] or len(row["camera_id"]) > 64:
        problems.append(("camera_id", "必填，不超过 64 个字符", "required, at most 64 characters"))
    if len(row["name"]) > 120:
        problems.append(("name", "不超过 120 个字符", "at most 120 characters"))
    for name, bound in (("lng", 180.0), ("lat", 90.0)):
        value = _float(values.get(name, ""))
        if value is None or abs(value) > bound:
            problems.append((name, "应为 WGS84 坐标", "must be a WGS84 coordinate"))
        row[name] = value
    return row, problems


def _float(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _upsert(session: Session, row: dict[str, Any], report: CameraImport) -> None:
    camera = repo.camera(session, row["camera_id"])
    if camera is None:
        camera = Camera(camera_id=row["camera_id"])
        report.created += 1
    else:
        report.updated += 1
    camera.name, camera.lng, camera.lat = row["name"], row["lng"], row["lat"]
    with session.no_autoflush:
        found = grid_index.lookup(session, row["lng"], row["lat"])
    camera.grid_code, camera.division_code = found if found else (None, get_settings().city_code)
    session.add(camera)
