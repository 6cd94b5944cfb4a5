"""Visit lists and records: due when the plan's cycle has run since the last visit; a problem becomes a case."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityloop.areas.elements.models import ElementMixin, Person
from cityloop.audit import service as audit
from cityloop.cases.intake import intake
from cityloop.cases.schemas import CaseIn
from cityloop.gridwork.checkins.service import CLOCK_SLACK
from cityloop.gridwork.visits import repository as repo
from cityloop.gridwork.visits.models import Visit
from cityloop.gridwork.visits.plans import PLANS, Plan
from cityloop.gridwork.visits.schemas import DueVisit, VisitIn, VisitOut
from cityloop.kit import catalogue
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.crypto import decrypt
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed


def visit_list(session: Session, subject: Subject, lang: str = "zh") -> list[DueVisit]:
    """Every plan's elements the subject may visit, due ones first."""
    now = utcnow()
    out: list[DueVisit] = []
    for plan in PLANS.values():
        elements = repo.elements_of(session, subject, plan)
        last = repo.last_visits(session, [e.code for e in elements], now + CLOCK_SLACK)
        for e in elements:
            seen = last.get(e.code)
            due = seen is None or (to_local(now).date() - to_local(seen).date()).days >= plan.cycle_days
            out.append(DueVisit(plan=plan.key, plan_label=plan.en if lang == "en" else plan.zh,
                                element_code=e.code, label=_label(subject, e), address=e.address,
                                last_visited_at=seen, due=due))
    return sorted(out, key=lambda d: (not d.due, d.plan, d.element_code))


def _label(subject: Subject, element: ElementMixin) -> str:
    name = str(getattr(element, "name", "") or "")
    if isinstance(element, Person):
        clear = decrypt(name) or ""
        return str(catalogue.shown(subject, "people", "name", clear) or "")
    return name


def record(session: Session, subject: Subject, body: VisitIn, key: str | None) -> tuple[Visit, bool]:
    """Store a visit (and the case of a problem raised); (the row, whether it is new)."""
    if not subject.has(Role.GRID_WORKER) or not subject.id:
        raise Forbidden("只有网格员可以登记走访", "Only grid workers record visits")
    if key and (done := repo.by_key(session, subject.id, key)) is not None:
        return done, False
    plan = PLANS.get(body.plan)
    if plan is None:
        raise ValidationFailed({"plan": ("未知的走访类别", f"unknown plan; one of {', '.join(PLANS)}")})
    element = repo.visible_element(session, subject, plan, body.element_code)
    if element is None:
        raise NotFound("走访对象不存在或不在您的网格", "No such household or firm in your grids")
    if body.at > utcnow() + CLOCK_SLACK or body.at < utcnow() - timedelta(days=30):
        raise ValidationFailed({"at": ("走访时间不能晚于现在或早于 30 天前", "at must be within the last 30 days")})
    row = Visit(plan=plan.key, element_kind=plan.kind.value, element_code=element.code, grid_code=element.grid_code,
                user_id=subject.id, at=body.at, result=body.result, finding=body.finding.strip(), idempotency_key=key)
    if body.result == "problem":
        row.case_id = _report(session, subject, plan, element, body, key)
    session.add(row)
    audit.record(session, subject, "grid_visit", plan.kind.value, [], {"element": element.code, "plan": plan.key})
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        done = repo.by_key(session, subject.id, key or "")
        if done is None:
            raise
        return done, False
    return row, True


def _report(session: Session, subject: Subject, plan: Plan, element: ElementMixin, body: VisitIn,
            key: str | None) -> int:
    text = body.finding.strip() or "走访中发现问题"
    data = CaseIn.model_validate({
        "channel": "grid", "appeal_type": "event", "title": f"走访发现问题（{plan.zh.split('（')[0]}）",
        "content": text if len(text) >= 2 else f"{text}。", "tags": ["visit", plan.key],
        "location": {"division_code": element.division_code, "grid_code": element.grid_code,
                     "lng": element.lng, "lat": element.lat, "address": element.address or None}})
    case, _created = intake(session, subject, data, f"visit:{key}" if key else None)
    return case.id


def history(session: Session, subject: Subject, plan_key: str, code: str) -> list[VisitOut]:
    """An element's visits, if the subject may see the element."""
    plan = PLANS.get(plan_key)
    if plan is None or repo.visible_element(session, subject, plan, code) is None:
        raise NotFound("走访对象不存在或不在您的辖区", "No such household or firm in your area")
    return [present(v) for v in repo.history(session, code)]


def present(v: Visit) -> VisitOut:
    """The API view of a visit."""
    return VisitOut(id=v.id, plan=v.plan, element_code=v.element_code, at=v.at, result=v.result, finding=v.finding,
                    case_id=v.case_id)
