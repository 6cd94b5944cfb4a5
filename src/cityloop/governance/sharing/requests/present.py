"""The API and page view of a sharing request."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cityloop.governance.sharing import history
from cityloop.governance.sharing.keys import repository as keys
from cityloop.governance.sharing.requests import repository as repo
from cityloop.governance.sharing.requests.models import ShareRequest
from cityloop.governance.sharing.requests.schemas import EventOut, RequestOut
from cityloop.governance.sharing.resources import repository as resources
from cityloop.governance.sharing.resources.models import ShareResource
from cityloop.governance.sharing.states import REQUEST_META


def present(session: Session, request: ShareRequest, resource: ShareResource, lang: str = "zh",
            with_events: bool = False, units: dict[int, str] | None = None) -> RequestOut:
    """A request as its requester and approvers see it (never the key's hash); `units` saves a list its lookups."""
    units = units if units is not None else resources.unit_names(session)
    key = keys.for_request(session, request.id)
    events = history.events(session, "request", request.id) if with_events else []
    users = repo.usernames(session, {request.requester_id})
    return RequestOut(
        id=request.id, resource_code=resource.code, resource_title=resource.title,
        owner_unit=units.get(resource.owner_unit_id, ""), requester=users.get(request.requester_id, ""),
        consumer_unit_id=request.consumer_unit_id, consumer_unit=units.get(request.consumer_unit_id, ""),
        purpose=request.purpose, fields=list(request.fields), masked=request.masked, starts_on=request.starts_on,
        ends_on=request.ends_on, area_code=request.area_code, rate_per_minute=request.rate_per_minute,
        state=request.state, state_label=REQUEST_META[request.state][1 if lang == "en" else 0],
        needs_bureau=request.needs_bureau, reason=request.reason, created_at=request.created_at,
        key_prefix=key.prefix if key else None, expires_at=key.expires_at if key else None,
        events=[EventOut(action=e.action, from_state=e.from_state, to_state=e.to_state, actor=e.actor_name,
                         note=e.note, at=e.at) for e in events])
