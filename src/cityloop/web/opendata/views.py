"""`/open`: the open datasets, their downloads, the DCAT catalogue and the CKAN API, for anyone."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from cityloop.audit.service import daily_heads
from cityloop.config import get_settings
from cityloop.governance.opendata.dcat import FILE_TYPES
from cityloop.governance.opendata.service import datasets, table
from cityloop.kit.deps import DbSession
from cityloop.web.pages import PageRoute, fmt_dt, render
from cityloop.web.security import MaybeUser

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/open")
def open_data(request: Request, session: DbSession, subject: MaybeUser) -> Response:
    """Every open dataset with its size, period, formats and update time."""
    rows = []
    for d in datasets():
        built = table(session, d.id)
        period = f"{built.start} – {built.end}" if built.start and built.end else ""
        rows.append({"d": d, "rows": len(built.rows), "period": period, "updated": fmt_dt(built.built_at),
                     "formats": [(fmt, FILE_TYPES[fmt][0]) for fmt in d.formats]})
    heads = daily_heads(session, 7)
    return render(request, "opendata/index.html",
                  {"datasets": rows, "k": get_settings().open_data_k, "heads": heads}, subject)
