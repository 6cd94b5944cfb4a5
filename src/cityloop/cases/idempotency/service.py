"""Idempotency-Key rules (IETF httpapi-idempotency-key-header): replay, refuse a changed body, 409 in flight.

A key's row is inserted in the same transaction as its case, so a crash leaves nothing behind. On PostgreSQL
a request holds an advisory lock on its key from before the work until that commit: another process asking
with the key meanwhile gets 409. SQLite runs one writer at a time: a concurrent retry does its work, waits for
the first commit, finds the row and answers with the first case (or 422).
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from cityloop.cases.idempotency import repository as repo
from cityloop.cases.schemas import CaseIn
from cityloop.kit.crypto import keyed_digest
from cityloop.kit.errors import Conflict, DomainError


class KeyReused(DomainError):
    """The Idempotency-Key was already used with a different request body."""

    status = 422
    code = "idempotency_key_reused"


class KeyInFlight(Conflict):
    """A request with the same Idempotency-Key is still being processed; retry later."""

    code = "idempotency_key_in_flight"


def fingerprint(data: CaseIn) -> str:
    """Keyed SHA-256 of the body's canonical JSON (keyed: it covers the reporter's phone and ID number)."""
    body = data.model_dump(mode="json")
    # An attachment's URL is where the server stored an upload; a re-sent form stores the same photo anew.
    for attachment in body.get("attachments") or []:
        attachment.pop("url", None)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return keyed_digest("idempotency", canonical.encode())


def begin(session: Session, key: str, print_: str) -> int | None:
    """Before the work: the id of the case to replay, or None to go ahead (PostgreSQL: the key is now locked)."""
    if session.get_bind().dialect.name == "postgresql":
        locked, stored = repo.lock_and_get(session, key)
        if not locked:
            raise KeyInFlight("相同幂等键的请求正在处理中，请稍后重试",
                              "A request with this Idempotency-Key is in progress")
    else:
        stored = repo.get(session, key)
    if stored is None:
        return None
    fingerprint, case_id = stored
    if fingerprint is not None and fingerprint != print_:
        raise KeyReused("该幂等键已用于另一份不同的请求内容", "This Idempotency-Key was used with a different body")
    return case_id
