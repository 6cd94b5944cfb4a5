"""All page routes of the web consoles, for `app.include_router(router)`."""

from __future__ import annotations

from fastapi import APIRouter

from cityloop.web.admin import views as views_admin
from cityloop.web.auth import views as views_auth
from cityloop.web.case import views as views_case
from cityloop.web.cockpit import views as views_cockpit
from cityloop.web.desk import views as views_desk
from cityloop.web.dispatch import views as views_dispatch
from cityloop.web.governance import views as views_governance
from cityloop.web.grid import board as views_grid_board
from cityloop.web.grid import patrol as views_patrol
from cityloop.web.grid import views as views_grid
from cityloop.web.inbox import views as views_inbox
from cityloop.web.iot import views as views_iot
from cityloop.web.notices import views as views_notices
from cityloop.web.opendata import views as views_opendata
from cityloop.web.policy import admin as views_policy_admin
from cityloop.web.policy import dashboard as views_policy_dashboard
from cityloop.web.policy import views as views_policy
from cityloop.web.portal import views as views_portal
from cityloop.web.search import views as views_search
from cityloop.web.services import admin as views_services_admin
from cityloop.web.services import directory as views_services_directory
from cityloop.web.services import views as views_services
from cityloop.web.sharing import exports as views_sharing_exports
from cityloop.web.sharing import requests as views_sharing_requests
from cityloop.web.sharing import views as views_sharing
from cityloop.web.supervise import views as views_supervise

router = APIRouter(include_in_schema=False)
for module in (views_auth, views_portal, views_desk, views_dispatch, views_case, views_inbox, views_grid,
               views_supervise, views_cockpit, views_admin, views_notices, views_search,
               views_patrol, views_grid_board, views_services, views_services_directory,
               views_services_admin, views_opendata, views_governance, views_iot, views_sharing,
               views_sharing_requests, views_sharing_exports, views_policy, views_policy_admin,
               views_policy_dashboard):
    router.include_router(module.router)
