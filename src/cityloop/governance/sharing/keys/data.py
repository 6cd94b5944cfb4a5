"""The shared data API: a key's granted fields of the rows in its granted area, paged by id, every call logged."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from cityloop.audit.service import record
from cityloop.cases import cursors
from cityloop.config import get_settings
from cityloop.governance.catalogue.service import MASKS
from cityloop.governance.sharing.keys import repository as repo
from cityloop.governance.sharing.keys import service as keys
from cityloop.governance.sharing.keys.models import ShareKey
from cityloop.governance.sharing.keys.schemas import SharePage
from cityloop.governance.sharing.requests.models import ShareRequest
from cityloop.governance.sharing.resources import repository as resources
from cityloop.governance.sharing.resources.models import ShareResource
from cityloop.governance.sharing.resources.service import field_out
from cityloop.governance.sharing.resources.sources import SOURCES, Source
from cityloop.kit import ratelimit
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.crypto import decrypt
from cityloop.kit.errors import DomainError, NotFound, Unauthorized

# Who a call with a key that matches no grant is recorded as.
UNKNOWN_KEY = Subject(id=None, name="unknown sharing key", roles=frozenset(), scope="", kind="share_key")


def call(session: Session, raw_key: str, code: str, after: str | None = None, limit: int | None = None,
         address: str = "") -> SharePage:
    """Answer one call; refused and answered calls of a known key are both logged, an unknown key is audited."""
    key, request, resource = _known_key(session, raw_key, code, address)
    now = utcnow()
    try:
        keys.check(key, request, resource, code, now)
        page = _page(session, request, resource, after, limit or get_settings().share_page_size)
    except DomainError as exc:
        _log(session, key, request, resource, 0, exc.status)
        raise
    key.last_used_at = now
    _log(session, key, request, resource, len(page.items), 200)
    return page


def _known_key(session: Session, raw_key: str, code: str, address: str
               ) -> tuple[ShareKey, ShareRequest, ShareResource]:
    """The presented key's grant; a wrong key counts against the address as a wrong password does, and is audited."""
    # A wrong key is a failed credential like a wrong password: the same per-address budget, its own counter.
    budget = ratelimit.limits()["share_key"]
    wait = ratelimit.get_limiter().blocked(address, budget)
    if wait is not None:
        raise ratelimit.too_many(wait)
    try:
        return keys.find(session, raw_key)
    except Unauthorized:
        ratelimit.get_limiter().hit(address, budget)
        # The usage log has no key to file it under; the audit log keeps who probed which resource from where.
        record(session, UNKNOWN_KEY, "share_call_refused", "share_resource", [],
               {"resource": code, "key_prefix": keys.shown_prefix(raw_key), "address": address, "status": 401})
        session.commit()
        raise


def _log(session: Session, key: ShareKey, request: ShareRequest, resource: ShareResource, rows: int,
         status: int) -> None:
    repo.log_call(session, key, request, rows, status, utcnow())
    record(session, keys.key_subject(key, request), "share_call", "share_request", [request.id],
           {"resource": resource.code, "rows": rows, "status": status},
           areas=[request.area_code] if request.area_code else [])
    session.commit()


def _page(session: Session, request: ShareRequest, resource: ShareResource, after: str | None,
          limit: int) -> SharePage:
    source = SOURCES[resource.source]
    owner = resources.unit(session, resource.owner_unit_id)
    if owner is None:
        raise NotFound("数源单位不存在", "The resource's owner unit no longer exists")
    stmt = source.rows(owner, request.area_code or get_settings().city_code)
    if after:
        _value, last_id = cursors.decode(after, "id")
        stmt = stmt.where(source.id_column > last_id)
    rows = list(session.scalars(stmt.order_by(source.id_column).limit(limit + 1)))
    shown = rows[:limit]
    # The masking rule of each granted field, looked up once per page rather than once per value.
    rules = {n: field_out(source.key, n).mask for n in request.fields} if request.masked else {}
    return SharePage(resource=resource.code, fields=list(request.fields), masked=request.masked,
                     area_code=request.area_code, items=[_item(source, request, rules, row) for row in shown],
                     next_cursor=_cursor(shown[-1].id) if len(rows) > limit else None)


def _cursor(last_id: int) -> str:
    # The case lists' cursor format for the id order, so `cases.cursors.decode` reads it back.
    return base64.urlsafe_b64encode(json.dumps(["id", last_id, last_id]).encode()).decode().rstrip("=")


def _item(source: Source, request: ShareRequest, rules: dict[str, str | None], row: Any) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for name in request.fields:
        value = getattr(row, name)
        if name in source.encrypted:
            value = decrypt(value)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        rule = rules.get(name)
        if rule and value is not None:
            value = MASKS[rule](str(value))
        item[name] = value
    return item
