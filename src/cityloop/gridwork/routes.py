"""Grid work API: check-ins and coverage."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from cityloop.accounts.deps import CurrentSubject
from cityloop.cases.models import case_number
from cityloop.gridwork.appraisal import service as appraisal
from cityloop.gridwork.appraisal.service import WorkerScore
from cityloop.gridwork.checkins import service as checkins
from cityloop.gridwork.checkins.models import CheckIn
from cityloop.gridwork.checkins.schemas import CheckInIn, CheckInOut
from cityloop.gridwork.coverage import service as coverage_service
from cityloop.gridwork.coverage.service import Coverage
from cityloop.gridwork.links import service as links
from cityloop.gridwork.links.service import Hotspot, PointDetail
from cityloop.gridwork.tasks import service as tasks
from cityloop.gridwork.tasks.schemas import TaskIn, TaskOut
from cityloop.gridwork.visits import service as visits
from cityloop.gridwork.visits.schemas import DueVisit, VisitIn, VisitOut
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import Forbidden, NotFound, error_responses

router = APIRouter(prefix="/api/v1/gridwork", tags=["gridwork"])


@router.post("/checkins", status_code=201, response_model=CheckInOut,
             responses=error_responses(Forbidden, NotFound))
def post_checkin(body: CheckInIn, session: DbSession, subject: CurrentSubject, response: Response,
                 idempotency_key: Annotated[str | None, Header(max_length=100)] = None) -> CheckInOut:
    """Check in at a patrol point (GPS within the radius or its signed tag); a resend with the same key is a replay."""
    row, created = checkins.check_in(session, subject, body, idempotency_key)
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return present(row, body.point_id)


@router.get("/coverage", response_model=Coverage, responses=error_responses(Forbidden))
def get_coverage(session: DbSession, subject: CurrentSubject, date: date | None = None) -> Coverage:  # noqa: A002
    """Per visible point: was it due on the day (its cycle) and was it checked."""
    if not subject.is_staff:
        raise Forbidden("只有工作人员可以查看巡查覆盖", "Only staff may see patrol coverage")
    return coverage_service.coverage(session, subject, date or to_local(utcnow()).date())


@router.post("/tasks", status_code=201, response_model=TaskOut, responses=error_responses(Forbidden))
def post_task(body: TaskIn, session: DbSession, subject: CurrentSubject, lang: Lang) -> TaskOut:
    """Give grid workers a task (核查/排查/宣传) over points, with a due time."""
    task = tasks.create(session, subject, body)
    return tasks.get(session, subject, task.id, lang)


@router.get("/tasks", response_model=list[TaskOut])
def get_tasks(session: DbSession, subject: CurrentSubject, lang: Lang) -> list[TaskOut]:
    """Visible tasks with progress per worker and their yellow/red card, unfinished first."""
    return tasks.list_tasks(session, subject, lang)


@router.get("/tasks/{task_id}", response_model=TaskOut, responses=error_responses(NotFound))
def get_task(task_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, subject: CurrentSubject,
             lang: Lang) -> TaskOut:
    """One task."""
    return tasks.get(session, subject, task_id, lang)


@router.get("/appraisal", response_model=list[WorkerScore], responses=error_responses(Forbidden))
def get_appraisal(session: DbSession, subject: CurrentSubject,
                  month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]) -> list[WorkerScore]:
    """Monthly appraisal of the grid workers of the caller's points (formulas in docs/gridwork.md)."""
    return appraisal.appraise(session, subject, month)


@router.get("/points/{point_id}", response_model=PointDetail, responses=error_responses(NotFound))
def get_point(point_id: Annotated[str, Path(max_length=40)], session: DbSession,
              subject: CurrentSubject) -> PointDetail:
    """A patrol point with the cases of the last 30 days around it and whether problems recur there."""
    return links.point_detail(session, subject, point_id)


@router.get("/hotspots", response_model=list[Hotspot])
def get_hotspots(session: DbSession, subject: CurrentSubject) -> list[Hotspot]:
    """Points whose surroundings produced several cases in the last 30 days (事点关联, problem recurrence)."""
    return links.hotspots(session, subject)


@router.get("/visits", response_model=list[DueVisit])
def get_visit_list(session: DbSession, subject: CurrentSubject, lang: Lang) -> list[DueVisit]:
    """The caller's visit list (households and firms per plan), due ones first."""
    return visits.visit_list(session, subject, lang)


@router.post("/visits", status_code=201, response_model=VisitOut, responses=error_responses(Forbidden, NotFound))
def post_visit(body: VisitIn, session: DbSession, subject: CurrentSubject, response: Response,
               idempotency_key: Annotated[str | None, Header(max_length=100)] = None) -> VisitOut:
    """Record a visit; a problem raised becomes a case; a resend with the same key is a replay."""
    row, created = visits.record(session, subject, body, idempotency_key)
    if not created:
        response.status_code = 200
    return visits.present(row)


@router.get("/visits/{plan}/{element_code}", response_model=list[VisitOut], responses=error_responses(NotFound))
def get_visit_history(plan: Annotated[str, Path(max_length=30)], element_code: Annotated[str, Path(max_length=40)],
                      session: DbSession, subject: CurrentSubject) -> list[VisitOut]:
    """One household member's or firm's visit history."""
    return visits.history(session, subject, plan, element_code)


def present(row: CheckIn, point_code: str) -> CheckInOut:
    """The API view of a check-in."""
    number = case_number(row.received_at, row.case_id) if row.case_id else None
    return CheckInOut(id=row.id, point_id=point_code, at=row.at, distance_m=row.distance_m, method=row.method,
                      result=row.result, note=row.note, case_id=row.case_id, case_number=number)
