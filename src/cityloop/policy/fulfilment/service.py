"""Staff side of fulfilment: area-scoped lists and reads, and the steps 核验 → 审批 → 兑付 (or a rejection)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.crypto import decrypt
from cityloop.kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from cityloop.kit.masking import mask_name
from cityloop.policy.fulfilment import repository as repo
from cityloop.policy.fulfilment.models import Fulfilment, FulfilmentEvent
from cityloop.policy.fulfilment.opening import due
from cityloop.policy.fulfilment.schemas import EventOut, FulfilmentDetailOut, FulfilmentOut, Label
from cityloop.policy.fulfilment.states import ACTION_LABELS, STAGE_META, TRANSITIONS, Stage, next_actions
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry.attributes import person_row_id
from cityloop.policy.registry.models import Enterprise, Person

STAFF = (Role.HANDLER, Role.SUPERVISOR)  # admins and the system hold every role


def check_staff(subject: Subject) -> None:
    """Only handlers, supervisors and administrators see and act on fulfilment tasks."""
    if not subject.has(*STAFF):
        raise Forbidden("只有承办人、督办员或管理员可以办理免申即享任务",
                        "Only handlers, supervisors or administrators may handle fulfilment tasks")


def listing(session: Session, subject: Subject, policy_id: str | None = None, stage: str | None = None,
            overdue: bool | None = None, limit: int = 50, offset: int = 0) -> list[Fulfilment]:
    """Tasks of the caller's area, filtered and paged."""
    check_staff(subject)
    if stage is not None and stage not in STAGE_META:
        raise ValidationFailed({"stage": ("未知环节", f"unknown stage (one of {', '.join(STAGE_META)})")})
    return repo.listing(session, subject, policy_id, stage, overdue, limit, offset)


def get(session: Session, subject: Subject, task_id: int) -> Fulfilment:
    """A task of the caller's area, or NotFound."""
    check_staff(subject)
    task = repo.get(session, subject, task_id)
    if task is None:
        raise NotFound("没有这个免申即享任务", "No such fulfilment task")
    return task


def act(session: Session, subject: Subject, task_id: int, action: str, note: str = "") -> Fulfilment:
    """Move a task one step (or reject it with a reason); every step an event and an audit entry."""
    task = get(session, subject, task_id)
    if action not in TRANSITIONS:
        raise ValidationFailed({"action": ("未知操作", f"unknown action (one of {', '.join(TRANSITIONS)})")})
    sources, target = TRANSITIONS[action]
    if task.stage not in sources:
        raise InvalidTransition(f"当前环节（{STAGE_META[task.stage][0]}）不能执行「{ACTION_LABELS[action][0]}」",
                                f"cannot {action} a task in stage {task.stage}")
    if action == "reject" and not note.strip():
        raise ValidationFailed({"note": ("驳回需填写理由", "a rejection needs a reason")})
    now, before = utcnow(), task.stage
    task.stage, task.overdue, task.stage_due = target, False, due(session, target, now)
    if target == Stage.PAID:
        task.paid_at = task.closed_at = now
    elif target == Stage.REJECTED:
        task.reason, task.closed_at = note.strip(), now
    session.add(FulfilmentEvent(fulfilment_id=task.id, actor_id=subject.id, action=action, from_stage=before,
                                to_stage=target, note=note.strip(), at=now,
                                data={"amount": task.amount} if target == Stage.PAID else {}))
    audit.record(session, subject, f"fulfilment_{action}", "policy_fulfilment", [task.id],
                 {"from": before, "to": target}, areas=[task.division_code])
    session.commit()
    return task


def events(session: Session, subject: Subject, task_id: int) -> list[FulfilmentEvent]:
    """The steps of a visible task."""
    return repo.events(session, get(session, subject, task_id).id)


def present(session: Session, subject: Subject, tasks: Sequence[Fulfilment]) -> list[FulfilmentOut]:
    """API views of tasks: policy titles joined, subject names masked unless the caller may read them."""
    stmt = select(Policy.id, Policy.title).where(Policy.id.in_({t.policy_id for t in tasks}))
    titles: dict[str, str] = {pid: title for pid, title in session.execute(stmt)} if tasks else {}
    names = _names(session, subject, tasks)
    return [FulfilmentOut(id=t.id, policy_id=t.policy_id, policy_title=titles.get(t.policy_id, ""),
                          policy_version=t.policy_version, subject_kind=t.subject_kind, subject_id=t.subject_id,
                          subject_name=names.get(t.subject_id, ""), division_code=t.division_code, stage=t.stage,
                          stage_label=Label(zh=STAGE_META[t.stage][0], en=STAGE_META[t.stage][1]),
                          amount=t.amount, stage_due=t.stage_due, overdue=t.overdue, reason=t.reason,
                          created_at=t.created_at, paid_at=t.paid_at, next_actions=next_actions(t.stage))
            for t in tasks]


def detail(session: Session, subject: Subject, task_id: int) -> FulfilmentDetailOut:
    """One task with its events."""
    task = get(session, subject, task_id)
    [out] = present(session, subject, [task])
    steps = [EventOut(at=e.at, action=e.action, from_stage=e.from_stage, to_stage=e.to_stage, note=e.note,
                      actor_id=e.actor_id, data=e.data) for e in repo.events(session, task.id)]
    return FulfilmentDetailOut(**out.model_dump(), events=steps)


def _names(session: Session, subject: Subject, tasks: Sequence[Fulfilment]) -> dict[str, str]:
    firms = [t.subject_id for t in tasks if t.subject_kind == "enterprise"]
    people = {r: t.subject_id for t in tasks if t.subject_kind == "person" and (r := person_row_id(t.subject_id))}
    names: dict[str, str] = {}
    if firms:
        stmt = select(Enterprise.uscc, Enterprise.name).where(Enterprise.uscc.in_(firms))
        names |= {uscc: name for uscc, name in session.execute(stmt)}
    if people:
        for row_id, token in session.execute(select(Person.id, Person.name).where(Person.id.in_(list(people)))):
            plain = decrypt(token) or ""
            names[people[row_id]] = plain if subject.sees_pii else (mask_name(plain) or "")
    return names
