"""`/admin/catalogue`: every column's grade, personal-information class and masking rule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from cityloop.governance.catalogue.service import LEVEL_EN, LEVELS, fields
from cityloop.kit.auth import Role, Subject
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Admin = Annotated[Subject, Depends(require(Role.ADMIN))]


@router.get("/admin/catalogue")
def catalogue_page(request: Request, subject: Admin, level: str = "", pi: str = "") -> Response:
    """The catalogue, filtered by level or to personal data."""
    shown = [f for f in fields() if (not level or f.level == level) and (not pi or f.pi)]
    counts = {lv: sum(1 for f in fields() if f.level == lv) for lv in LEVELS}
    return render(request, "governance/catalogue.html",
                  {"fields": shown, "levels": LEVELS, "level_en": LEVEL_EN, "counts": counts, "level": level,
                   "pi": pi, "pi_count": sum(1 for f in fields() if f.pi)}, subject)
