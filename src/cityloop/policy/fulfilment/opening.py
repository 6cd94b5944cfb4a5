"""Tasks opened for newly eligible subjects and withdrawn from those who stopped being eligible (system side)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.cases.calendar_source import calendar
from cityloop.kit.auth import SYSTEM
from cityloop.kit.calendar import LimitUnit
from cityloop.kit.clock import utcnow
from cityloop.policy.fulfilment import repository as repo
from cityloop.policy.fulfilment.models import Fulfilment, FulfilmentEvent
from cityloop.policy.fulfilment.states import STAGE_DAYS, Stage
from cityloop.policy.logic import interpret
from cityloop.policy.matching import columns
from cityloop.policy.matching.engine import grid, in_force, read
from cityloop.policy.policies.models import Policy


def due(session: Session, stage: str, start: datetime) -> datetime | None:
    """When an open stage started at `start` must be done, on the working-day calendar."""
    days = STAGE_DAYS.get(stage)
    return calendar(session).add(start, days, LimitUnit.WORKDAYS) if days else None


def amount(policy: Policy, record: dict[str, Any]) -> float | None:
    """The benefit for one subject: the formula over its attributes, else the fixed amount (None: in kind)."""
    benefit = policy.benefit or {}
    if benefit.get("formula") is not None:
        value = interpret.apply(benefit["formula"], record)
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return round(max(number, 0.0), 2) if number == number else None
    fixed = benefit.get("amount")
    return None if fixed is None else float(fixed)


def open_for(session: Session, policy: Policy, subject_ids: Sequence[str]) -> list[int]:
    """One task per newly eligible subject × policy version (none twice), in the caller's transaction; their ids.

    A subject whose task of this version was withdrawn (it stopped being eligible) and who qualifies again gets that
    task back at the verification stage rather than nothing; a paid or rejected task stays as it is.
    """
    have = repo.existing_keys(session, policy.id, list(subject_ids))
    wanted = list(dict.fromkeys(subject_ids))
    reopened = _reopen(session, policy, [s for s in wanted if (s, policy.version) in have])
    fresh = [s for s in wanted if (s, policy.version) not in have]
    return reopened + _open_new(session, policy, fresh)


def _open_new(session: Session, policy: Policy, fresh: list[str]) -> list[int]:
    if not fresh:
        return []
    now = utcnow()
    stage_due = due(session, Stage.VERIFY, now)
    rows = [{"policy_id": policy.id, "policy_version": policy.version, "subject_kind": policy.object,
             "subject_id": sid, "division_code": record["division_code"], "stage": Stage.VERIFY,
             "amount": amount(policy, record), "stage_due": stage_due, "overdue": False, "reason": "",
             "created_at": now, "updated_at": now} for sid, record in _records(session, policy, fresh).items()]
    if not rows:
        return []
    # Core inserts: a batch match can open tens of thousands of tasks, the ORM's unit of work is too slow there.
    stmt = insert(Fulfilment).returning(Fulfilment.id, sort_by_parameter_order=True)
    ids = list(session.scalars(stmt, rows))
    session.execute(insert(FulfilmentEvent), [{"fulfilment_id": task_id, "action": "open", "from_stage": "",
                                               "to_stage": Stage.VERIFY, "note": "符合免申即享条件，自动生成",
                                               "data": {"amount": row["amount"]}, "at": now, "actor_id": None}
                                              for task_id, row in zip(ids, rows, strict=True)])
    audit.record(session, SYSTEM, "fulfilment_open", "policy_fulfilment", ids,
                 {"policy": policy.id, "version": policy.version}, areas=sorted({r["division_code"] for r in rows}))
    return ids

def _reopen(session: Session, policy: Policy, subject_ids: list[str]) -> list[int]:
    """Withdrawn tasks of this version whose subjects qualify again, back to verification with today's amount."""
    tasks = repo.withdrawn_of(session, policy.id, policy.version, subject_ids)
    if not tasks:
        return []
    records = _records(session, policy, [t.subject_id for t in tasks])
    now = utcnow()
    stage_due = due(session, Stage.VERIFY, now)
    for task in tasks:
        record = records.get(task.subject_id)
        if record is not None:  # where the subject lives now decides whose handlers take it up
            task.amount, task.division_code = amount(policy, record), record["division_code"]
        task.stage, task.stage_due, task.overdue, task.reason, task.closed_at = Stage.VERIFY, stage_due, False, "", None
        session.add(FulfilmentEvent(fulfilment_id=task.id, action="reopen", from_stage=Stage.WITHDRAWN,
                                    to_stage=Stage.VERIFY, note="重新符合免申即享条件，恢复办理",
                                    data={"amount": task.amount}, at=now))
    audit.record(session, SYSTEM, "fulfilment_reopen", "policy_fulfilment", [t.id for t in tasks],
                 {"policy": policy.id, "version": policy.version}, areas=sorted({t.division_code for t in tasks}))
    return [t.id for t in tasks]


def _records(session: Session, policy: Policy, subject_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Today's registry record of each subject found, with what the benefit formula reads."""
    extras = [a for a in read([{"rule": (policy.benefit or {}).get("formula")}]) if a.startswith(columns.PREFIX)]
    registry = columns.load(session, policy.object, columns.today(), subject_ids, extras)
    return {str(sid): registry.record(i) for i, sid in enumerate(registry.ids)}


def withdraw(session: Session, policy: Policy, subject_ids: Sequence[str]) -> list[Fulfilment]:
    """Withdraw the open tasks of subjects no longer eligible, each with the criteria they now fail."""
    tasks = repo.open_of(session, [(policy.id, s) for s in subject_ids])
    if not tasks:
        return []
    reasons = _reasons(session, policy, [t.subject_id for t in tasks])
    now = utcnow()
    for task in tasks:
        reason = reasons.get(task.subject_id, "")
        session.add(FulfilmentEvent(fulfilment_id=task.id, action="withdraw", from_stage=task.stage,
                                    to_stage=Stage.WITHDRAWN, note=reason, at=now))
        task.stage, task.reason, task.closed_at, task.stage_due, task.overdue = Stage.WITHDRAWN, reason, now, None, \
            False
    audit.record(session, SYSTEM, "fulfilment_withdraw", "policy_fulfilment", [t.id for t in tasks],
                 {"policy": policy.id}, areas=sorted({t.division_code for t in tasks}))
    return tasks


def _reasons(session: Session, policy: Policy, subject_ids: list[str]) -> dict[str, str]:
    day = columns.today()
    if not in_force(policy, day):
        return dict.fromkeys(subject_ids, "政策已停用或不在有效期内 / the policy is inactive or outside its validity")
    extras = [a for a in read(policy.criteria) if a.startswith(columns.PREFIX)]
    registry = columns.load(session, policy.object, day, subject_ids, extras)
    passes = grid(policy.criteria, registry)
    labels = [c["label"] for c in policy.criteria]
    found = {str(sid): "不再符合：" + "；".join(labels[j] for j in range(len(labels)) if not passes[j, i])
             for i, sid in enumerate(registry.ids)}
    return {s: found.get(s, "名录中已无此对象 / no longer in the registry") for s in subject_ids}

