"""The FastAPI application: API routers, pages, error rendering and the SLA sweeper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from cityloop.accounts.notifications.routes import router as notifications_router
from cityloop.accounts.routes import router as accounts_router
from cityloop.areas.basemap.routes import router as basemap_router
from cityloop.areas.elements.routes import router as elements_router
from cityloop.areas.routes import router as areas_router
from cityloop.audit.routes import router as audit_router
from cityloop.cases.admin_routes import router as admin_router
from cityloop.cases.kpi_routes import router as kpi_router
from cityloop.cases.routes import router as cases_router
from cityloop.cases.search.routes import router as search_router
from cityloop.cases.warm import warm_intake
from cityloop.channels.notify.routes import router as notify_router
from cityloop.channels.open311.client.routes import router as open311_client_router
from cityloop.channels.open311.routes import router as open311_router
from cityloop.channels.video.routes import router as video_router
from cityloop.config import get_settings
from cityloop.governance.catalogue.routes import router as catalogue_router
from cityloop.governance.opendata.routes import router as opendata_router
from cityloop.governance.sharing.routes import router as sharing_router
from cityloop.gridwork.routes import router as gridwork_router
from cityloop.intel.alerts.routes import router as alerts_router
from cityloop.intel.registry.routes import router as intel_router
from cityloop.kit import openapi
from cityloop.kit.errors import DomainError, error_headers, http_error_payload
from cityloop.kit.keys.check import startup_check
from cityloop.kit.nul_guard import NulGuard
from cityloop.kit.ratelimit import MemoryLimiter, get_limiter
from cityloop.kit.schedule import service as schedule
from cityloop.policy.accounts.routes import router as policy_links_router
from cityloop.policy.admin.routes import router as policy_admin_router
from cityloop.policy.dashboard.routes import router as policy_dashboard_router
from cityloop.policy.fulfilment.routes import router as policy_fulfilment_router
from cityloop.policy.matching.routes import router as policy_matching_router
from cityloop.policy.portal.routes import router as policy_portal_router
from cityloop.services.routes import router as services_router
from cityloop.web import pages
from cityloop.web.fulfilment.views import router as fulfilment_pages
from cityloop.web.headers import SecurityHeaders
from cityloop.web.policy import dashboard as policy_panel
from cityloop.web.router import router as web_router
from cityloop.web.services import panel as services_panel

log = logging.getLogger("cityloop")
# How often each node looks for due jobs; a job's own period is what decides how often it runs.
SCHEDULER_TICK_SECONDS = 5



def _render_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse(exc.payload(), status_code=exc.status, headers=error_headers(exc))


def _render_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if pages.wants_html(request):
        return pages.status_page(request, exc.status_code)
    body = http_error_payload(exc.status_code, str(exc.detail))
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def _render_server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if pages.wants_html(request):
        return pages.status_page(request, 500)
    return JSONResponse(http_error_payload(500, "Internal Server Error"), status_code=500)


def _render_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, Any] = {}
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header"))
        ctx = err.get("ctx") or {}
        # Rules that speak both languages (e.g. the phone rule) give their own zh/en text.
        fields[loc or "body"] = {"zh": str(ctx["zh"]), "en": str(ctx["en"])} if "zh" in ctx and "en" in ctx \
            else {"zh": "格式不正确: " + str(err.get("msg", "")), "en": str(err.get("msg", ""))}
    body = {"error": "validation_failed", "message": {"zh": "输入有误", "en": "Invalid input"},
            "details": {"fields": fields}}
    return JSONResponse(body, status_code=422)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the scheduler of periodic jobs (each slot runs on one node only), the job runner and the senders."""
    settings = get_settings()
    # Any ASGI server, not only `cityloop serve`: a published or wrong secret key must never serve requests.
    await asyncio.to_thread(startup_check)
    _announce_rate_limits()
    _announce_read_replica()
    if settings.warm_start:
        seconds, complete = await asyncio.to_thread(warm_intake)
        log.info("warm start: intake %s in %.1f s", "ready" if complete else "partly loaded (see the warning)",
                 seconds)
    tasks = [asyncio.create_task(loop()) for loop, wanted in ((_scheduler, settings.run_sweeper),
                                                               (_job_runner, settings.run_jobs),
                                                               (_notify_sender, settings.run_jobs)) if wanted]
    ingest = await asyncio.to_thread(_start_iot) if settings.iot_ingest else None
    yield
    for task in tasks:
        task.cancel()
    if ingest is not None:
        await asyncio.to_thread(ingest.stop)


def _start_iot() -> Any:
    from cityloop.channels.iot.worker import Ingest, broker_answers

    url = get_settings().mqtt_url
    if not broker_answers(url):
        log.warning("MQTT broker not reachable at %s: IoT readings are not ingested (start Mosquitto, set "
                    "CITYLOOP_MQTT_URL, or run `cityloop iot run` elsewhere)", url)
        return None
    worker = Ingest(url)
    worker.start()
    log.info("MQTT broker found at %s: IoT ingest subscribed to cityloop/devices/+/telemetry", url)
    return worker


def _announce_read_replica() -> None:
    url = get_settings().read_database_url
    if url:
        log.info("read replica %s serves KPIs, the cockpit and case exports", url.split("@")[-1])
    else:
        log.info("no read replica (CITYLOOP_READ_DATABASE_URL): KPIs, the cockpit and exports read the primary")


def _announce_rate_limits() -> None:
    limiter = get_limiter()
    if isinstance(limiter, MemoryLimiter) and get_settings().workers > 1:
        # Each worker counts on its own, so the effective limits are multiplied by the number of workers.
        log.warning("rate limits: %s with %d workers; set CITYLOOP_REDIS_URL to share the counters",
                    limiter.describe(), get_settings().workers)
    else:
        log.info("rate limits: %s", limiter.describe())


def register_jobs() -> None:
    """The periodic jobs: each runs once per period across every node (see `kit.schedule`)."""
    from cityloop.cases.rollups.tasks import run_refresh
    from cityloop.cases.tasks import run_sweep
    from cityloop.channels.open311.client.tasks import run_outbox
    from cityloop.governance.retention.tasks import run_retention
    from cityloop.intel.tasks import run_scan
    from cityloop.policy.fulfilment.tasks import run_sweep as run_fulfilment_sweep
    from cityloop.services.tasks import run_sweep as run_service_sweep

    def sweep_period() -> float:
        return get_settings().sweep_minutes * 60.0

    def rollup_period() -> float:
        return float(get_settings().rollup_seconds)

    for name, period, run in (("sla_sweep", sweep_period, run_sweep), ("services_sla_sweep", sweep_period,
                                                                      run_service_sweep),
                              ("early_warning_scan", sweep_period, run_scan), ("retention", sweep_period,
                                                                                run_retention),
                              ("kpi_rollups", rollup_period, run_refresh), ("open311_outbox", rollup_period,
                                                                            run_outbox),
                              ("policy_fulfilment_sweep", sweep_period, run_fulfilment_sweep),
                              ("job_runs_prune", lambda: 86400.0, schedule.prune)):
        schedule.register(name, period, run)


async def _scheduler() -> None:
    register_jobs()
    ticker = schedule.Ticker()
    while True:
        try:
            ran = await asyncio.to_thread(ticker.tick)
            if ran:
                log.debug("periodic jobs run here: %s", ", ".join(ran))
        except Exception:  # a database hiccup must not stop the scheduler; the next tick claims again
            log.exception("scheduler tick failed")
        await asyncio.sleep(SCHEDULER_TICK_SECONDS)


async def _job_runner() -> None:
    from cityloop.intel.tasks import run_training_jobs

    while True:
        try:
            # Every worker polls; the database claim makes sure each job runs in exactly one of them.
            await asyncio.to_thread(run_training_jobs)
        except Exception:  # the runner must survive a broken poll; the next one retries
            log.exception("job runner failed")
        await asyncio.sleep(get_settings().job_poll_seconds)


async def _notify_sender() -> None:
    from cityloop.channels.notify.sender import send_due
    from cityloop.kit.db import session_scope

    def drain() -> None:
        with session_scope() as session:
            send_due(session)

    while True:
        try:
            # Every worker drains; the row locks of the claim keep two workers off the same message (PostgreSQL).
            await asyncio.to_thread(drain)
        except Exception:  # the sender must survive a bad run (gateway or database hiccup); the next run retries
            log.exception("notify sender failed")
        await asyncio.sleep(get_settings().notify_poll_seconds)


def register_hooks() -> None:
    """Plug the areas and intel modules into intake and the workflow (idempotent)."""
    from cityloop.areas.addresses.locate import register as register_locator
    from cityloop.areas.addresses.standard import register as register_address_table
    from cityloop.areas.placement.locate import register as register_text_placement
    from cityloop.channels.notify.hooks import register as register_notify
    from cityloop.channels.open311.client.service import register as register_open311_client
    from cityloop.governance.sharing.exports.service import register as register_export_approvals
    from cityloop.intel.classify import suggest
    from cityloop.intel.dedup import live
    from cityloop.intel.registry import corrections
    from cityloop.policy.notices.service import register as register_policy_notices
    from cityloop.web.grid import board as grid_board

    register_locator()
    register_text_placement()  # after the address locator: text only places what address and point did not
    register_address_table()
    suggest.register()
    corrections.register()
    live.register()
    grid_board.register()
    register_open311_client()
    register_notify()
    register_policy_notices()
    register_export_approvals()


def create_app() -> FastAPI:
    """Build the application."""
    app = FastAPI(title="CityLoop", version="0.1.0", lifespan=lifespan,
                  description="一网统管 city governance platform: cases, grids, addresses, intelligence.")
    app.add_middleware(NulGuard)
    app.add_middleware(SecurityHeaders)  # added last, so it runs outermost and also marks NulGuard's answers
    app.add_exception_handler(DomainError, _render_domain_error)
    app.add_exception_handler(RequestValidationError, _render_validation_error)
    app.add_exception_handler(HTTPException, _render_http_error)
    app.add_exception_handler(Exception, _render_server_error)

    @app.get("/api/v1/health", tags=["system"])
    def health() -> dict[str, str]:
        """Liveness check."""
        return {"status": "ok"}

    app.include_router(accounts_router)
    app.include_router(notifications_router)
    app.include_router(cases_router)
    app.include_router(search_router)
    app.include_router(admin_router)
    app.include_router(kpi_router)
    app.include_router(audit_router)
    app.include_router(areas_router)
    app.include_router(basemap_router)
    app.include_router(elements_router)
    app.include_router(alerts_router)
    app.include_router(intel_router)
    app.include_router(gridwork_router)
    app.include_router(services_router)
    app.include_router(opendata_router)
    app.include_router(catalogue_router)
    app.include_router(sharing_router)
    app.include_router(open311_client_router)
    app.include_router(open311_router)
    app.include_router(notify_router)
    app.include_router(video_router)
    app.include_router(policy_matching_router)
    app.include_router(policy_fulfilment_router)
    app.include_router(fulfilment_pages)
    app.include_router(policy_portal_router)
    app.include_router(policy_links_router)
    app.include_router(policy_admin_router)
    app.include_router(policy_dashboard_router)
    app.include_router(web_router)
    services_panel.register()
    policy_panel.register()
    openapi.install(app)
    register_hooks()
    return app
