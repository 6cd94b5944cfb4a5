"""Open data for anyone: dataset files, the DCAT-AP catalogue and CKAN's read API (no personal data in any)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from cityloop.config import get_settings
from cityloop.governance.opendata import ckan, dcat, repository
from cityloop.governance.opendata.service import Dataset, dataset, datasets, encode, table
from cityloop.kit.clock import utcnow
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import NotFound

router = APIRouter(include_in_schema=False)
HELP = "https://docs.ckan.org/en/latest/api/"
Id = Annotated[str, Query(max_length=80)]


def public_base(request: Request) -> str:
    """The address published links use: the configured one, or the one this request came in on."""
    settings = get_settings()
    if "public_base_url" in settings.model_fields_set:
        return settings.public_base_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def city(session: DbSession) -> tuple[str, str]:
    """The deployment's city: (code, name)."""
    code = get_settings().city_code
    return code, repository.division_names(session, {code}).get(code, "CityLoop")


@router.get("/open/catalog.jsonld")
def catalogue(request: Request, session: DbSession) -> Response:
    """The DCAT-AP 3 catalogue as JSON-LD."""
    entries = [(d, table(session, d.id)) for d in datasets()]
    body = dcat.catalogue(public_base(request), city(session), entries, utcnow())
    return JSONResponse(body, media_type="application/ld+json")


@router.get("/open/datasets/{dataset_id}.{fmt}")
def download(session: DbSession, dataset_id: str, fmt: str) -> Response:
    """One distribution of a dataset as a file."""
    content, media = encode(dataset_id, table(session, dataset_id), fmt)
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{dataset_id}.{fmt}"'})


@router.get("/api/3/action/package_list")
def package_list() -> dict[str, Any]:
    """CKAN: the ids of every dataset."""
    return ckan.envelope(HELP + "#ckan.logic.action.get.package_list", [d.id for d in datasets()])


@router.get("/api/3/action/package_show")
def package_show(request: Request, session: DbSession, id: Id = "") -> Response:  # noqa: A002 - CKAN's name
    """CKAN: one dataset with its resources."""
    help_url = HELP + "#ckan.logic.action.get.package_show"
    try:
        d = dataset(id)
    except NotFound:
        return JSONResponse(ckan.failure(help_url, "Not Found Error", "Not found"), status_code=404)
    return JSONResponse(ckan.envelope(help_url, _package(request, session, d)))


@router.get("/api/3/action/package_search")
def package_search(request: Request, session: DbSession, q: Annotated[str, Query(max_length=200)] = "",
                   rows: Annotated[int, Query(ge=0, le=1000)] = 10,
                   start: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """CKAN: datasets whose words match `q`."""
    query = "" if q.strip() in ("", "*:*") else q
    found = [d for d in datasets() if ckan.matches(d, query)]
    results = [_package(request, session, d) for d in found[start:start + rows]]
    return ckan.envelope(HELP + "#ckan.logic.action.get.package_search",
                         {"count": len(found), "results": results, "sort": "score desc, metadata_modified desc",
                          "facets": {}, "search_facets": {}})


def _package(request: Request, session: DbSession, d: Dataset) -> dict[str, Any]:
    code, name = city(session)
    return ckan.package(public_base(request), d, table(session, d.id), (f"city-{code}", f"{name}公共数据开放"))
