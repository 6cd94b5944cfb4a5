"""Application rules: filing (materials checked against the guide, deadline on working days), reading."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.cases.calendar_source import calendar
from cityloop.config import get_settings
from cityloop.kit import catalogue
from cityloop.kit.auth import Role, Subject
from cityloop.kit.calendar import TZ, CardColor, LimitUnit, card
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed
from cityloop.services.applications import repository as repo
from cityloop.services.applications.models import Application, ApplicationEvent
from cityloop.services.applications.states import DONE_STATES, AppState
from cityloop.services.guides import service as guides
from cityloop.services.items import service as items
from cityloop.services.items.models import ServiceItem
from cityloop.services.schemas import ApplicationIn, ApplicationOut


def file(session: Session, subject: Subject, data: ApplicationIn) -> Application:
    """File an application as a citizen; a missing required material is refused (nothing written)."""
    check_applicant(subject)
    item = items.get_item(session, data.item_code)
    needed = guides.required_materials(item, data.answers)
    refuse_missing(needed, set(data.materials))
    app = create(session, subject, item, data, needed)
    session.commit()
    return app


def check_applicant(subject: Subject) -> None:
    """Only a logged-in citizen or firm applies."""
    if Role.CITIZEN not in subject.roles or subject.id is None:
        raise Forbidden("请以群众或企业账号登录后申请", "Log in as a citizen or firm to apply")


def refuse_missing(needed: list[dict[str, Any]], given: set[str]) -> None:
    """Refuse with every missing material (field-level, zh and en) when any is missing."""
    missing = [m for m in needed if m["key"] not in given]
    if missing:
        refused = ValidationFailed({f"materials.{m['key']}": (f"缺少材料：{m['name']}（{m['copies']} 份）",
                                                              f"missing material: {m['name']} ({m['copies']} copies)")
                                    for m in missing})
        refused.details["missing"] = [m["key"] for m in missing]
        raise refused


def create(session: Session, subject: Subject, item: ServiceItem, data: ApplicationIn, needed: list[dict[str, Any]],
           bundle: tuple[str, int | None] | None = None) -> Application:
    """Write one checked application and its first event (the caller commits)."""
    now = utcnow()
    given = set(data.materials)
    app = Application(item_id=item.id, item_code=item.code, item_version=item.version,
                      division_code=item.division_code, applicant_id=subject.id, applicant_name=subject.name,
                      applicant_phone=data.phone, state=AppState.SUBMITTED, answers=dict(data.answers),
                      form=dict(data.form), materials=[m for m in needed if m["key"] in given],
                      received_at=now, deadline=_deadline(session, now, item.promised_days),
                      bundle_code=bundle[0] if bundle else None, bundle_ref=bundle[1] if bundle else None)
    session.add(app)
    session.flush()
    record_event(session, subject, app, "file", "", AppState.SUBMITTED)
    item.popularity += 1
    audit.record(session, subject, "file_application", "service_application", [app.id],
                 areas=[item.division_code])
    return app


def _deadline(session: Session, now: datetime, days: int) -> datetime:
    """Promised working days from receipt; an instant item (即办件, 0 days) is due by the end of the day."""
    if days:
        return calendar(session).add(now, days, LimitUnit.WORKDAYS)
    return datetime.combine(to_local(now).date(), time.max, TZ)


def record_event(session: Session, subject: Subject, app: Application, action: str, before: str, after: str,
           note: str = "", data: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Append one event of the application (at `at`, default now)."""
    session.add(ApplicationEvent(application_id=app.id, actor_id=subject.id, action=action, from_state=before,
                                 to_state=after, note=note, data=data or {}, at=at or utcnow()))


def get(session: Session, subject: Subject, app_id: int) -> Application:
    """A visible application, or NotFound."""
    app = repo.get(session, subject, app_id)
    if app is None:
        raise NotFound("没有这个办件", "No such application")
    return app


def desk_queue(session: Session, subject: Subject, states: list[str], limit: int = 100) -> list[Application]:
    """Applications of the window staff's area, by deadline (the read of their applicants is audited)."""
    if not subject.has(Role.WINDOW):
        raise Forbidden("只有窗口人员可以查看办件", "Only service-window staff may see applications")
    found = repo.listing(session, subject, states, limit)
    audit_personal_read(session, subject, found)
    return found


def audit_personal_read(session: Session, subject: Subject, shown: list[Application]) -> None:
    """Log a read that showed applicants' names and phones in clear (Data Security Law: traceable reads)."""
    read = [a for a in shown if a.applicant_id != subject.id and (a.applicant_name or a.applicant_phone)]
    if read and catalogue.may_see(subject, "service_applications", "applicant_phone") \
            and Role.SYSTEM not in subject.roles:
        audit.record(session, subject, "read_personal_data", "service_application", [a.id for a in read],
                     areas={a.division_code for a in read if a.division_code})
        session.commit()


def card_of(app: Application) -> CardColor:
    """Yellow/red card of an open application (none while suspended for 补正 or once concluded)."""
    if app.state in DONE_STATES or app.state in {AppState.CORRECTION, AppState.REJECTED}:
        return "none"
    return card(app.received_at, app.deadline, utcnow(), get_settings().yellow_share)


def present(app: Application, subject: Subject) -> ApplicationOut:
    """The API view; name and phone masked unless the caller may see them (or it is their own)."""
    own = app.applicant_id == subject.id
    person = catalogue.shown_row(subject, "service_applications", {"applicant_name": app.applicant_name,
                                                                   "applicant_phone": app.applicant_phone}, own)
    return ApplicationOut(id=app.id, number=app.number, item_code=app.item_code, item_version=app.item_version,
                          state=app.state, received_at=app.received_at, deadline=app.deadline,
                          applicant_name=person["applicant_name"], applicant_phone=person["applicant_phone"],
                          materials=app.materials, decision=app.decision, card=card_of(app))


def events(session: Session, subject: Subject, app_id: int) -> list[ApplicationEvent]:
    """The steps of a visible application."""
    return repo.events(session, get(session, subject, app_id).id)


def mine(session: Session, subject: Subject, limit: int = 50) -> list[Application]:
    """The caller's visible applications (a citizen's own; staff's area), newest deadline last."""
    return repo.listing(session, subject, [], limit)
