"""Open311 GeoReport v2 endpoints at /open311/v2/ (JSON or XML by suffix); errors in the spec's envelope."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from cityloop.channels.open311 import formats, service
from cityloop.channels.open311.submit import submit
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import DomainError, NotFound


class Open311Route(APIRoute):
    """A route whose errors are answered in the Open311 envelope, in the format the path asked for."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The default handler, with domain and validation errors rendered as `<errors>` / `[{code, …}]`."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except (DomainError, RequestValidationError, HTTPException) as exc:
                return formats.error_for(request.path_params.get("fmt"), exc)

        return guarded


def _format(fmt: str) -> str:
    if fmt not in formats.FORMATS:
        raise NotFound(f"不支持的格式 {fmt}", f"Unknown format {fmt}: use .json or .xml")
    return fmt


def _jurisdiction(jurisdiction_id: str | None = None) -> None:
    service.check_jurisdiction(jurisdiction_id)


async def _form(request: Request) -> list[tuple[str, str]]:
    # Attributes arrive as attribute[code] (and attribute[code][] for lists): names no model can declare.
    form = await request.form()
    return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]


Fmt = Annotated[str, Depends(_format)]
# Kept out of CityLoop's OpenAPI document: GeoReport v2 is its own published spec, with XML answers and its own
# error envelope, which the ErrorOut-everywhere rule (and the fuzzer built on it) would wrongly hold it to.
router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route,
                   dependencies=[Depends(_jurisdiction)], include_in_schema=False)


@router.get("/discovery.{fmt}")
def discovery(request: Request, fmt: Fmt) -> Response:
    """Where this Open311 endpoint is and which formats it speaks."""
    return formats.render(fmt, "discovery", service.discovery(f"{request.base_url}{router.prefix.lstrip('/')}/"))


@router.get("/services.{fmt}")
def services(fmt: Fmt, session: DbSession, lang: Lang) -> Response:
    """Every service (a leaf of the active taxonomy)."""
    return formats.render(fmt, "services", service.services(session, lang))


@router.get("/services/{service_code}.{fmt}")
def service_definition(service_code: str, fmt: Fmt, session: DbSession) -> Response:
    """One service's definition (its extra attributes)."""
    return formats.render(fmt, "service_definition", service.definition(session, service_code))


@router.get("/requests.{fmt}")
def requests(fmt: Fmt, session: DbSession, lang: Lang, service_request_id: str | None = None,
             service_code: str | None = None, start_date: str | None = None, end_date: str | None = None,
             status: str | None = None) -> Response:
    """Public service requests: the last 90 days and at most 1000 by default, filtered by id, service or status."""
    query = service.RequestQuery(service_request_id, service_code, start_date, end_date, status)
    return formats.render(fmt, "service_requests", service.requests(session, query, lang))


@router.post("/requests.{fmt}")
def create_request(fmt: Fmt, session: DbSession, lang: Lang, form: Annotated[list[tuple[str, str]], Depends(_form)],
                   idempotency_key: Annotated[str | None, Header()] = None) -> Response:
    """File a service request (form-encoded, `api_key` required); replays under one client id return one request."""
    return formats.render(fmt, "service_requests", submit(session, form, idempotency_key, lang))


@router.get("/requests/{service_request_id}.{fmt}")
def request(service_request_id: str, fmt: Fmt, session: DbSession, lang: Lang) -> Response:
    """One public service request."""
    return formats.render(fmt, "service_requests", service.request(session, service_request_id, lang))


@router.get("/tokens/{token}.{fmt}")
def token(token: str, fmt: Fmt, session: DbSession) -> Response:
    """The service request behind a token."""
    return formats.render(fmt, "service_requests", service.token(session, token))


@router.get("/servicerequestupdates.{fmt}")
def updates(fmt: Fmt, session: DbSession, lang: Lang, start_date: str | None = None,
            end_date: str | None = None) -> Response:
    """mySociety extension: public changes of service requests between two dates (last 90 days by default)."""
    return formats.render(fmt, "service_requests_updates", service.updates(session, start_date, end_date, lang))
