"""Sharing keys: issue on the final approval, revoke, and check a presented key before each call."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from cityloop.governance.sharing.keys import repository as repo
from cityloop.governance.sharing.keys.models import ShareKey
from cityloop.governance.sharing.requests.models import ShareRequest
from cityloop.governance.sharing.resources.models import ShareResource
from cityloop.governance.sharing.states import RequestState
from cityloop.kit import ratelimit
from cityloop.kit.auth import Subject
from cityloop.kit.clock import LOCAL_TZ
from cityloop.kit.errors import Forbidden, Unauthorized

PREFIX = "cls"
_INVALID = ("共享密钥无效", "Invalid sharing key")


# The public part of a key: six random bytes in hex (see `issue`).
_PUBLIC = re.compile(r"[0-9a-f]{12}")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def issue(session: Session, request: ShareRequest) -> str:
    """Store a key for an approved request, valid over its period (local days); the clear key is returned once."""
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(24)
    session.add(ShareKey(request_id=request.id, prefix=prefix, key_hash=_digest(secret),
                         valid_from=_local_midnight(request.starts_on),
                         expires_at=_local_midnight(request.ends_on + timedelta(days=1))))
    session.flush()
    return f"{PREFIX}_{prefix}_{secret}"


def revoke(session: Session, request: ShareRequest, at: datetime) -> None:
    """Stop a request's key; the next call with it answers 401."""
    key = repo.for_request(session, request.id)
    if key is not None and key.revoked_at is None:
        key.revoked_at = at


def shown_prefix(raw: str) -> str:
    """The public part of a presented key, safe to log (never the secret), or `malformed`."""
    parts = raw.split("_", 2)
    # Only a well-formed public prefix is shown: a key sent without it would otherwise put its secret in the log.
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX and _PUBLIC.fullmatch(parts[1]) else "malformed"


def find(session: Session, raw: str) -> tuple[ShareKey, ShareRequest, ShareResource]:
    """The key, request and resource a presented key belongs to; 401 for anything that is not a valid key."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise Unauthorized(*_INVALID)
    found = repo.by_prefix(session, parts[1])
    if found is None or not secrets.compare_digest(found[0].key_hash, _digest(parts[2])):
        raise Unauthorized(*_INVALID)
    return found


def check(key: ShareKey, request: ShareRequest, resource: ShareResource, code: str, now: datetime) -> None:
    """Refuse a revoked, expired or not yet valid key (401), another resource (403), or a call over the rate (429)."""
    if key.revoked_at is not None or request.state != RequestState.APPROVED:
        raise Unauthorized("共享密钥已被撤销", "The sharing key has been revoked")
    if now >= key.expires_at:
        raise Unauthorized("共享密钥已过期", "The sharing key has expired")
    if now < key.valid_from:
        raise Unauthorized("共享密钥尚未生效", "The sharing key is not valid yet")
    if resource.code != code:
        raise Forbidden("该密钥未获准访问此资源", "This key is not granted this resource", resource=code)
    wait = ratelimit.get_limiter().hit(key.prefix, ratelimit.Limit("share", request.rate_per_minute, 60))
    if wait is not None:
        raise ratelimit.too_many(wait)


def key_subject(key: ShareKey, request: ShareRequest) -> Subject:
    """Who a key's calls are audited as: the key, on behalf of the consumer unit, bound to the granted area."""
    return Subject(id=key.id, name=f"sharekey:{key.prefix}", roles=frozenset(), scope=request.area_code,
                   unit_id=request.consumer_unit_id, kind="share_key")
