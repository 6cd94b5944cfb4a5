"""Learning from corrections: dispatcher re-categorisations and unit choices become training labels."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cityloop.cases import repository as cases_repo
from cityloop.cases import workflow
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.schemas import ActionIn
from cityloop.cases.taxonomy import active_version_id, category_exists
from cityloop.intel.registry.models import Label, LabelSource, ModelKind
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

log = logging.getLogger(__name__)
# Workflow actions where a person chose the unit: what the unit model should learn.
UNIT_CHOICES = frozenset({"dispatch", "reassign"})


def text_sha256(case: Case) -> str:
    """Hash of the text a label was given for (labels keep no personal text themselves)."""
    return hashlib.sha256(f"{case.title}\n{case.content}".encode()).hexdigest()


def new_label(case: Case, kind: str, value: str, source: str, subject: Subject) -> Label:
    """An unsaved label of a case for a kind."""
    return Label(case_id=case.id, kind=kind, text_sha256=text_sha256(case), value=value, source=source,
                 actor_id=subject.id if subject.kind == "user" else None, actor_name=subject.name, at=utcnow())


def recategorize(session: Session, subject: Subject, case_id: int, category_code: str, note: str = "") -> Case:
    """Set a visible case's category to a leaf of its taxonomy (dispatcher/admin); stored as a label too."""
    if not subject.has(Role.DISPATCHER):
        raise Forbidden("只有派单员可以改类", "Only dispatchers may re-categorise a case")
    case = cases_repo.get_case(session, subject, case_id)
    if case is None:
        raise NotFound("工单不存在或不在您的辖区", "Case not found or outside your area", case_id=case_id)
    version_id = case.taxonomy_version_id or active_version_id(session)
    if version_id is None or not category_exists(session, version_id, category_code, leaf_only=True):
        raise ValidationFailed({"category_code": (f"分类 {category_code} 不存在或不是末级分类",
                                                  f"Category {category_code} does not exist or is not a leaf")})
    if category_code == case.category_code:
        raise ValidationFailed({"category_code": ("工单已是该分类", "The case already has this category")})
    previous = case.category_code
    case.category_code = category_code
    case.taxonomy_version_id = version_id
    session.add(CaseEvent(case_id=case.id, action="recategorize", from_state=case.state, to_state=case.state,
                          actor_id=subject.id if subject.kind == "user" else None, actor_name=subject.name,
                          actor_kind=subject.kind, at=utcnow(), note=note,
                          data={"from": previous, "to": category_code}))
    session.add(new_label(case, ModelKind.CATEGORY, category_code, LabelSource.DISPATCHER_CORRECTION, subject))
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("工单已被他人修改，请刷新", "The case changed meanwhile; reload it") from exc
    return case


def record_choice(session: Session, subject: Subject, case: Case, action: str, _body: ActionIn) -> None:
    """after_action hook: a person's unit choice, and the confirmed labels of a closed case, become labels."""
    labels = _labels_for(subject, case, action)
    if not labels:
        return
    try:
        session.add_all(labels)
        session.commit()
    except Exception:  # the action itself is committed already; a lost label must not turn it into an error
        session.rollback()
        log.exception("could not store labels of case %s after %s", case.id, action)


def _labels_for(subject: Subject, case: Case, action: str) -> list[Label]:
    if action in UNIT_CHOICES and subject.kind == "user" and case.unit_id is not None:
        return [new_label(case, ModelKind.UNIT, str(case.unit_id), LabelSource.DISPATCHER_CORRECTION, subject)]
    if action == "close":
        out = [new_label(case, ModelKind.UNIT, str(case.unit_id), LabelSource.CLOSED_CASE, subject)
               ] if case.unit_id is not None else []
        if case.category_code:
            out.append(new_label(case, ModelKind.CATEGORY, case.category_code, LabelSource.CLOSED_CASE, subject))
        return out
    return []


def register() -> None:
    """Add the label recorder to the workflow's after_action hooks (idempotent)."""
    if record_choice not in workflow.after_action:
        workflow.after_action.append(record_choice)


def unregister() -> None:
    """Remove the label recorder from the workflow hooks."""
    while record_choice in workflow.after_action:
        workflow.after_action.remove(record_choice)
