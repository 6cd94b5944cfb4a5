"""Record audited acts in a hash chain and verify the chain."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, exists, false, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityloop.audit.models import AuditArea, AuditEntry, AuditHead
from cityloop.config import get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import LOCAL_TZ, to_local, utcnow
from cityloop.kit.errors import Forbidden

GENESIS = "0" * 64
# Parallel chains: writers pick one at random, so 16 concurrent writers seldom queue on the same head row.
CHAINS = 8


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps([prev_hash, entry.at.isoformat(), entry.actor_id, entry.actor_name, entry.actor_kind,
                       entry.action, entry.object_type, entry.object_ids, entry.detail],
                      ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def record(session: Session, subject: Subject, action: str, object_type: str, object_ids: list[Any],
           detail: dict[str, Any] | None = None, areas: Iterable[str] = ()) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits with the act it describes).

    `areas` are the division codes of the objects; the actor's scope is added, and the log is scoped by both.
    Entries are spread over CHAINS parallel chains, so concurrent writers rarely wait for one another; each chain
    is a complete hash chain and the published head covers all of them.
    """
    chain = secrets.randbelow(CHAINS)
    # Touch the chain's head row first: its row lock (PostgreSQL) or the write lock (SQLite) orders its writers.
    bump = update(AuditHead).where(AuditHead.id == chain + 1).values(entries=AuditHead.entries + 1)
    if session.execute(bump).rowcount == 0:  # type: ignore[attr-defined]  # CursorResult has rowcount
        _create_head(session, chain)
        session.execute(bump)
    # populate_existing: a head object cached in this session may predate another writer's commit.
    stmt = select(AuditHead).where(AuditHead.id == chain + 1).execution_options(populate_existing=True)
    head_row = session.scalars(stmt).one()
    entry = AuditEntry(at=utcnow(), actor_id=subject.id, actor_name=subject.name, actor_kind=subject.kind,
                       action=action, object_type=object_type, object_ids=[int(i) for i in object_ids],
                       detail=detail or {}, prev_hash=head_row.last_hash, chain=chain)
    entry.hash = _digest(head_row.last_hash, entry)
    head_row.last_hash = entry.hash
    session.add(entry)
    session.flush()
    session.add_all(AuditArea(entry_id=entry.id, division_code=code)
                    for code in sorted({c[:12] for c in (subject.scope, *areas)} - {""}))  # grid codes: community + 4
    return entry


def _create_head(session: Session, chain: int) -> None:
    # A chain's head row appears with its first entry. A concurrent creator wins harmlessly.
    try:
        with session.begin_nested():
            session.add(AuditHead(id=chain + 1, last_hash=GENESIS, entries=0))
    except IntegrityError:
        pass


@dataclass
class ChainReport:
    """Outcome of a verification."""

    entries: int
    ok: bool
    first_bad_id: int | None = None


def verify(session: Session, subject: Subject) -> ChainReport:
    """Recompute every hash; the first entry whose hash or link does not match is reported."""
    if not subject.has(Role.ADMIN, Role.SUPERVISOR):
        raise Forbidden("仅管理员可校验审计日志", "Only administrators may verify the audit log")
    prevs: dict[int, str] = {}
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        count += 1
        prev = prevs.get(entry.chain, GENESIS)
        if entry.prev_hash != prev or _digest(prev, entry) != entry.hash:
            return ChainReport(entries=count, ok=False, first_bad_id=entry.id)
        prevs[entry.chain] = entry.hash
    heads = session.scalars(select(AuditHead).execution_options(populate_existing=True)).all()
    if any(h.last_hash != prevs.get(h.id - 1, GENESIS) for h in heads):
        return ChainReport(entries=count, ok=False, first_bad_id=None)
    return ChainReport(entries=count, ok=True)


def recent(session: Session, subject: Subject, limit: int = 100) -> list[AuditEntry]:
    """Newest entries first (admins only): a city admin reads all, others those touching their area."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("仅管理员可查看审计日志", "Only administrators may read the audit log")
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(scope_entries(stmt, subject)))


def scope_entries(stmt: Select[Any], subject: Subject) -> Select[Any]:
    """Restrict a query over `AuditEntry` to entries whose actor or objects lie in the subject's area."""
    if Role.SYSTEM in subject.roles:
        return stmt
    if not subject.scope:
        return stmt.where(false())
    if get_settings().city_code.startswith(subject.scope):
        # The city's own administrators also see entries without an area (system acts, citizens' acts).
        return stmt
    inside = exists().where(AuditArea.entry_id == AuditEntry.id,
                            AuditArea.division_code.startswith(subject.scope, autoescape=True))
    return stmt.where(inside)


@dataclass
class ChainHead:
    """The chain's newest link as of a moment: publishing it makes any later rewrite of earlier entries provable."""

    entries: int
    last_id: int | None
    hash: str
    at: str | None


def head(session: Session, before: datetime | None = None) -> ChainHead:
    """The head of the chains (of the entries made before `before`, when given): one hash over every chain's last
    link, so publishing it pins them all."""
    lasts = select(AuditEntry.chain, func.max(AuditEntry.id).label("last_id")).group_by(AuditEntry.chain)
    if before is not None:
        lasts = lasts.where(AuditEntry.at < before)
    last_ids = [row.last_id for row in session.execute(lasts)]
    if not last_ids:
        return ChainHead(entries=0, last_id=None, hash=GENESIS, at=None)
    links = session.execute(select(AuditEntry.chain, AuditEntry.hash, AuditEntry.at).where(
        AuditEntry.id.in_(last_ids)).order_by(AuditEntry.chain)).all()
    combined = hashlib.sha256("|".join(f"{c}:{h}" for c, h, _at in links).encode()).hexdigest()
    last_id = max(last_ids)
    count = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.id <= last_id)) or 0
    return ChainHead(entries=count, last_id=last_id, hash=combined, at=max(at for _c, _h, at in links).isoformat())


def daily_heads(session: Session, days: int, today: date | None = None) -> list[tuple[date, ChainHead]]:
    """The head at the end of each of the last `days` local days, newest first."""
    today = today or to_local(utcnow()).date()
    heads = []
    for back in range(days):
        day = today - timedelta(days=back)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ)
        heads.append((day, head(session, end)))
    return heads
