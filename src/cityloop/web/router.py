"""All page routes of the web consoles, for `app.include_router(router)`."""

from __future__ import annotations

from fastapi import APIRouter

from cityloop.web import (
    views_admin,
    views_auth,
    views_case,
    views_cockpit,
    views_desk,
    views_dispatch,
    views_grid,
    views_inbox,
    views_portal,
    views_supervise,
)

router = APIRouter(include_in_schema=False)
for module in (views_auth, views_portal, views_desk, views_dispatch, views_case, views_inbox, views_grid,
               views_supervise, views_cockpit, views_admin):
    router.include_router(module.router)
