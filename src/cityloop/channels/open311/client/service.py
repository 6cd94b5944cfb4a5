"""Send a unit's cases to its Open311 system through an outbox, with retries, and bring its updates back."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.cases.events import append_system_event
from cityloop.cases.models import Case
from cityloop.cases.repository import get_case, scope_filter
from cityloop.cases.schemas import ActionIn
from cityloop.channels.open311.client.models import Open311Delivery, Open311Endpoint
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.crypto import decrypt, encrypt
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed
from cityloop.kit.table_cache import TableCache

MAX_ATTEMPTS = 8  # then the delivery is failed and waits for an administrator (about 4 hours of tries)
BATCH = 100
FORWARDED_ACTIONS = frozenset({"dispatch", "reassign"})


@dataclass
class SendReport:
    """What one run of the sender did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def configure(session: Session, subject: Subject, unit_id: int, base_url: str, api_key: str,
              jurisdiction_id: str = "", service_code: str = "", active: bool = True) -> Open311Endpoint:
    """Point a unit's cases at an external Open311 system (administrators)."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("仅管理员可配置对接系统", "Only administrators configure external systems")
    if not base_url.startswith(("http://", "https://")):
        raise ValidationFailed({"base_url": ("应以 http:// 或 https:// 开头", "Must start with http:// or https://")})
    if not api_key.strip():
        raise ValidationFailed({"api_key": ("请填写对方系统的 API 密钥", "Give the remote system's API key")})
    endpoint = session.scalar(select(Open311Endpoint).where(Open311Endpoint.unit_id == unit_id))
    endpoint = endpoint or Open311Endpoint(unit_id=unit_id)
    endpoint.base_url, endpoint.api_key = base_url.rstrip("/"), encrypt(api_key.strip()) or ""
    endpoint.jurisdiction_id, endpoint.service_code, endpoint.is_active = jurisdiction_id, service_code, active
    session.add(endpoint)
    session.flush()
    _active_endpoints.invalidate()
    return endpoint


def _endpoint_map(session: Session) -> dict[int, int]:
    rows = session.execute(select(Open311Endpoint.unit_id, Open311Endpoint.id)
                           .where(Open311Endpoint.is_active.is_(True)))
    return {unit_id: endpoint_id for unit_id, endpoint_id in rows}


def _endpoint_fingerprint(session: Session) -> Hashable:
    return session.execute(select(func.count(), func.max(Open311Endpoint.updated_at))
                           .select_from(Open311Endpoint)).one()._tuple()


# unit id → active endpoint id; other processes' changes show within a second through the fingerprint.
_active_endpoints: TableCache[dict[int, int]] = TableCache(_endpoint_fingerprint, _endpoint_map)


def enqueue(session: Session, case: Case) -> Open311Delivery | None:
    """Queue the case for its unit's Open311 system, if the unit has one (in the dispatch's transaction)."""
    endpoint_id = _active_endpoints.get(session).get(case.unit_id) if case.unit_id is not None else None
    if endpoint_id is None:
        return None  # the common case, answered from memory: intake and dispatch pay no query for it
    queued = session.scalar(select(Open311Delivery).where(Open311Delivery.case_id == case.id,
                                                          Open311Delivery.endpoint_id == endpoint_id))
    if queued is not None:
        return queued  # dispatched there before: the remote already has it
    now = utcnow()
    delivery = Open311Delivery(case_id=case.id, endpoint_id=endpoint_id, state="pending", next_attempt_at=now,
                               created_at=now)
    session.add(delivery)
    return delivery


def on_action(session: Session, _subject: Subject, case: Case, action: str, _body: ActionIn) -> None:
    """Workflow hook: a dispatch or reassignment to a unit with an Open311 system queues the case."""
    if action in FORWARDED_ACTIONS:
        enqueue(session, case)


def on_intake(session: Session, case: Case) -> None:
    """Intake hook, inside the intake's transaction: an automatic dispatch queues the case with it, or neither."""
    enqueue(session, case)


def register() -> None:
    """Plug the outbox into intake and the workflow, inside their transactions (idempotent)."""
    from cityloop.cases import intake, workflow

    if on_intake not in intake.on_intake:
        intake.on_intake.append(on_intake)
    if on_action not in workflow.in_action:
        workflow.in_action.append(on_action)


def _form(endpoint: Open311Endpoint, case: Case) -> dict[str, str]:
    # Only what the other system needs to act; the reporter's identity stays here (data minimisation).
    form = {"api_key": decrypt(endpoint.api_key) or "", "service_code": endpoint.service_code or case.category_code
            or "", "description": f"{case.title}\n{case.content}"[:4000],
            "service_request_id": f"cityloop-{case.id}"}
    if endpoint.jurisdiction_id:
        form["jurisdiction_id"] = endpoint.jurisdiction_id
    if case.lat is not None and case.lng is not None:
        form["lat"], form["long"] = str(case.lat), str(case.lng)
    else:
        form["address_string"] = case.address or case.division_code
    return form


def _remote_id(answer: Any) -> str:
    first = answer[0] if isinstance(answer, list) and answer else {}
    remote = first.get("service_request_id") or first.get("token") if isinstance(first, dict) else None
    if not remote:
        raise ValueError(f"no service_request_id or token in {str(answer)[:200]}")
    return str(remote)


def send_due(session: Session, http: httpx.Client, now: datetime | None = None) -> SendReport:
    """Try every delivery that is due; each outcome is committed with the case's history."""
    now = now or utcnow()
    report = SendReport()
    due = session.scalars(select(Open311Delivery).where(Open311Delivery.state == "pending",
                                                        Open311Delivery.next_attempt_at <= now)
                          .order_by(Open311Delivery.id).limit(BATCH)).all()
    for delivery in due:
        endpoint = session.get(Open311Endpoint, delivery.endpoint_id)
        case = get_case(session, SYSTEM, delivery.case_id)
        if endpoint is None or case is None:
            continue
        url, form = f"{endpoint.base_url}/requests.json", _form(endpoint, case)
        session.commit()  # no transaction stays open while the other system answers
        try:
            response = http.post(url, data=form, timeout=20, headers={"Idempotency-Key": f"cityloop-{case.id}"})
            response.raise_for_status()
            _sent(session, delivery, case, _remote_id(response.json()))
            report.sent += 1
        except (httpx.HTTPError, ValueError) as exc:
            report.failed += _failed(session, delivery, case, str(exc), now)
            report.retried += 0 if delivery.state == "failed" else 1
        session.commit()
    return report


def _sent(session: Session, delivery: Open311Delivery, case: Case, remote_id: str) -> None:
    delivery.attempts += 1
    delivery.remote_id, delivery.state, delivery.sent_at = remote_id, "sent", utcnow()
    append_system_event(session, case, "open311_sent", {"remote_id": remote_id})


def _failed(session: Session, delivery: Open311Delivery, case: Case, error: str, now: datetime) -> int:
    """Record a failed try; 1 when it was the last one allowed."""
    delivery.attempts += 1
    delivery.last_error = error[:1000]
    if delivery.attempts < MAX_ATTEMPTS:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        return 0
    delivery.state = "failed"
    append_system_event(session, case, "open311_failed", {"attempts": delivery.attempts}, note=error[:200])
    return 1


def pull_updates(session: Session, http: httpx.Client) -> int:
    """Read the status of every sent case back from its system; each change becomes a history entry."""
    changed = 0
    for endpoint in session.scalars(select(Open311Endpoint).where(Open311Endpoint.is_active.is_(True))):
        sent = session.scalars(select(Open311Delivery).where(Open311Delivery.endpoint_id == endpoint.id,
                                                             Open311Delivery.state == "sent")).all()
        for start in range(0, len(sent), 50):
            batch = {d.remote_id: d for d in sent[start:start + 50] if d.remote_id}
            params = {"service_request_id": ",".join(batch)}
            if endpoint.jurisdiction_id:
                params["jurisdiction_id"] = endpoint.jurisdiction_id
            session.commit()  # as above: no open transaction during the call
            try:
                response = http.get(f"{endpoint.base_url}/requests.json", params=params, timeout=20)
                response.raise_for_status()
                items = response.json()
            except (httpx.HTTPError, ValueError):
                continue  # the next run asks again
            changed += _apply(session, batch, items)
    session.commit()
    return changed


def _apply(session: Session, batch: dict[str, Open311Delivery], items: Any) -> int:
    changed = 0
    for item in items if isinstance(items, list) else []:
        delivery = batch.get(str(item.get("service_request_id")))
        status, notes = str(item.get("status") or ""), str(item.get("status_notes") or "")
        if delivery is None or (status, notes) == (delivery.remote_status, delivery.remote_notes):
            continue
        delivery.remote_status, delivery.remote_notes = status, notes
        case = get_case(session, SYSTEM, delivery.case_id)
        if case is not None:
            append_system_event(session, case, "open311_update", {"status": status, "remote_id": delivery.remote_id},
                                note=notes or status)
            changed += 1
    return changed


def deliveries(session: Session, subject: Subject, state: str | None) -> list[Open311Delivery]:
    """Deliveries (failed ones for the administrators' attention), newest first."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("仅管理员可查看对接发送记录", "Only administrators see external deliveries")
    stmt = scope_filter(select(Open311Delivery).join(Case, Case.id == Open311Delivery.case_id), subject)
    stmt = stmt.order_by(Open311Delivery.id.desc()).limit(500)
    return list(session.scalars(stmt.where(Open311Delivery.state == state) if state else stmt))


def retry(session: Session, subject: Subject, delivery_id: int) -> Open311Delivery:
    """Put a failed delivery back in the queue (administrators)."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("仅管理员可重发", "Only administrators may resend")
    delivery = session.scalar(scope_filter(select(Open311Delivery).join(Case, Case.id == Open311Delivery.case_id),
                                           subject).where(Open311Delivery.id == delivery_id))
    if delivery is None:
        raise NotFound("没有这条发送记录", "No such delivery")
    delivery.state, delivery.attempts, delivery.next_attempt_at = "pending", 0, utcnow()
    return delivery
