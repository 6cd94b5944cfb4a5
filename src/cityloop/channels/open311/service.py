"""Read side of Open311: discovery, services from the taxonomy leaves, public requests, tokens and updates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases import repository as cases_repo
from cityloop.cases.models import Case, Category, parse_case_number
from cityloop.cases.service import unit_name
from cityloop.cases.states import STATE_META, State, event_label
from cityloop.cases.taxonomy import active_version_id, category_exists, category_names
from cityloop.channels.open311 import repository as repo
from cityloop.channels.open311 import statuses
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import LOCAL_TZ, to_local, utcnow
from cityloop.kit.errors import DomainError, NotFound

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_SPAN = timedelta(days=90)  # the spec's default window, and the widest a client may ask for
MAX_RESULTS = 1000  # the spec's cap on one answer
# Public answers carry a point to ~100 m: enough for a map, too coarse to single out a home.
COORD_DIGITS = 3
# "+08:00" arrives as " 08:00" when a client forgets to percent-encode the plus sign of a query string.
_UNENCODED_OFFSET = re.compile(r" (\d\d:?\d\d)$")


class BadRequest(DomainError):
    """The request breaks an Open311 rule (missing or unknown field, bad date range)."""

    status = 400
    code = "bad_request"


@dataclass(frozen=True)
class RequestQuery:
    """The filters of GET requests, as the client sent them (all optional)."""

    service_request_id: str | None = None
    service_code: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    status: str | None = None


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    """One jurisdiction, the city of this deployment; any other is unknown here."""
    if jurisdiction_id and jurisdiction_id.strip() != get_settings().city_code:
        raise NotFound(f"未知辖区 {jurisdiction_id}", f"Unknown jurisdiction_id {jurisdiction_id}")


def discovery(base_url: str) -> dict[str, Any]:
    """The discovery document: where the one production endpoint is and what it speaks."""
    changeset = iso(datetime(2026, 12, 1, tzinfo=LOCAL_TZ))
    return {"changeset": changeset, "contact": "12345 / CityLoop", "key_service": "cityloop users api-key",
            "endpoints": [{"specification": SPEC_URL, "url": base_url, "changeset": changeset,
                           "type": "production", "formats": ["application/json", "text/xml"]}]}


def services(session: Session, lang: str = "zh") -> list[dict[str, Any]]:
    """Every leaf of the active taxonomy as an Open311 service."""
    cats = _categories(session)
    return [_service(leaf, cats, lang) for leaf in cats.values() if leaf.level == 3]


def definition(session: Session, service_code: str) -> dict[str, Any]:
    """A service's definition; CityLoop services ask for no extra attributes yet, so the list is empty."""
    leaf = _categories(session).get(service_code)
    if leaf is None or leaf.level != 3:
        raise NotFound(f"服务 {service_code} 不存在", f"Unknown service_code {service_code}")
    return {"service_code": leaf.code, "attributes": []}


def service_name(session: Session, service_code: str) -> str | None:
    """The name of a leaf of the active taxonomy, None when `service_code` is not one."""
    version_id = active_version_id(session)  # cached lookups: this runs on every POST
    if version_id is None or not category_exists(session, version_id, service_code, leaf_only=True):
        return None
    return category_names(session, version_id)[service_code][0]


def requests(session: Session, query: RequestQuery, lang: str = "zh") -> list[dict[str, Any]]:
    """Public requests: by id (which overrides every other filter), else by service, status and date window."""
    if query.service_request_id:
        numbers = _split(query.service_request_id)[:MAX_RESULTS]
        ids = {n: parse_case_number(n) for n in numbers}
        found = repo.requests_by_ids(session, [i for i in ids.values() if i is not None])
        return present(session, [c for c in found if c.number in ids], lang)
    start, end = window(query.start_date, query.end_date)
    wanted = _split(query.status or "")
    if any(s not in ("open", "closed") for s in wanted):
        raise BadRequest("status 只能是 open 或 closed", "status must be open or closed")
    states = [s for status in wanted for s in statuses.states_for(status)]
    cases = repo.requests_between(session, start, end, _split(query.service_code or ""), states, MAX_RESULTS)
    return present(session, cases, lang)


def request(session: Session, number: str, lang: str = "zh") -> list[dict[str, Any]]:
    """One public request (the spec answers a list of one)."""
    found = requests(session, RequestQuery(service_request_id=number.strip()), lang)
    if not found:
        raise NotFound(f"服务请求 {number} 不存在", f"Service request {number} not found")
    return found


def token(session: Session, value: str) -> list[dict[str, Any]]:
    """The request behind a token; CityLoop files synchronously, so a token is the request's own id."""
    case = cases_repo.case_by_number(session, SYSTEM, value)
    if case is None or not repo.requests_by_ids(session, [case.id]):
        raise NotFound(f"令牌 {value} 不存在", f"Token {value} not found")
    return [{"service_request_id": case.number, "token": value}]


def updates(session: Session, start_date: str | None, end_date: str | None, lang: str = "zh"
            ) -> list[dict[str, Any]]:
    """mySociety extension: public history events as request updates, oldest first."""
    start, end = window(start_date, end_date)
    out = []
    for event, case in repo.events_between(session, start, end, MAX_RESULTS):
        zh, en = event_label(event.action, event.data)
        out.append({"update_id": str(event.id), "service_request_id": case.number,
                    "status": statuses.extended(event.to_state or event.from_state or case.state),
                    "description": en if lang == "en" else zh, "updated_datetime": iso(event.at),
                    "media_url": None})
    return out


def present(session: Session, cases: list[Case], lang: str = "zh") -> list[dict[str, Any]]:
    """Cases as public Open311 requests: no reporter, no content, no address text, a coarse point."""
    out = []
    for case in cases:
        names = category_names(session, case.taxonomy_version_id) if case.taxonomy_version_id else {}
        name, name_en = names.get(case.category_code or "", ("", ""))
        state = STATE_META[State(case.state)]
        out.append({
            "service_request_id": case.number, "status": statuses.basic(case.state),
            "status_notes": state[1] if lang == "en" else state[0],
            "service_name": (name_en if lang == "en" and name_en else name) or None,
            "service_code": case.category_code or "", "description": case.title,
            "agency_responsible": unit_name(session, case.unit_id) or None if case.unit_id else None,
            "service_notice": None, "requested_datetime": iso(case.received_at),
            "updated_datetime": iso(case.updated_at), "expected_datetime": iso(case.deadline),
            "address": None, "address_id": None, "zipcode": None,
            "lat": _coarse(case.lat), "long": _coarse(case.lng), "media_url": _media_url(case),
        })
    return out


def window(start_date: str | None, end_date: str | None) -> tuple[datetime, datetime]:
    """[start, end] from the client's dates: the last 90 days by default, never wider than 90 days."""
    start, end = _date(start_date, "start_date"), _date(end_date, "end_date")
    if end is None:
        end = start + MAX_SPAN if start is not None else utcnow()
    if start is None:
        start = end - MAX_SPAN
    if end < start:
        raise BadRequest("end_date 早于 start_date", "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise BadRequest("日期范围不能超过 90 天", "The date range may not span more than 90 days")
    return start, end


def iso(value: datetime | None) -> str | None:
    """W3C (ISO 8601) local time with its offset, as the spec's examples write it."""
    return to_local(value).isoformat(timespec="seconds") if value is not None else None


def _date(text: str | None, field: str) -> datetime | None:
    if not text or not text.strip():
        return None
    text = _UNENCODED_OFFSET.sub(r"+\1", text.strip())
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{field} 不是 ISO 8601 时间", f"{field} is not an ISO 8601 date-time") from None
    # A time without zone is Beijing time, as everywhere else in CityLoop.
    return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _categories(session: Session) -> dict[str, Category]:
    version_id = active_version_id(session)
    return {c.code: c for c in cases_repo.categories_of(session, version_id)} if version_id else {}


def _service(leaf: Category, cats: dict[str, Category], lang: str) -> dict[str, Any]:
    kind = cats.get(leaf.parent_code or "")
    domain = cats.get(kind.parent_code or "") if kind else None
    path = [c for c in (domain, kind, leaf) if c is not None]
    return {"service_code": leaf.code, "service_name": _name(leaf, lang),
            "description": " / ".join(_name(c, lang) for c in path), "metadata": False, "type": "realtime",
            "keywords": ",".join(leaf.keywords.split()) or None,
            "group": _name(domain, lang) if domain else None}


def _name(category: Category, lang: str) -> str:
    return category.name_en if lang == "en" and category.name_en else category.name


def _coarse(value: float | None) -> float | None:
    return round(value, COORD_DIGITS) if value is not None else None


def _media_url(case: Case) -> str | None:
    # Only a web address the client itself published (e.g. its media_url); our own /files/ need a login.
    for attachment in case.attachments or []:
        url = str(attachment.get("url", "")) if isinstance(attachment, dict) else ""
        if url.lower().startswith(("https://", "http://")):
            return url
    return None
