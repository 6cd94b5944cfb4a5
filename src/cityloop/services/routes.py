"""一网通办 API: catalogue search, guide resolution, applications."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from cityloop.accounts.deps import CurrentSubject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, ReadSession
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, error_responses
from cityloop.services import kpi
from cityloop.services.applications import service as applications
from cityloop.services.applications import workflow
from cityloop.services.bundles import service as bundles
from cityloop.services.evaluations import service as evaluations
from cityloop.services.guides import service as guides
from cityloop.services.items import service as items
from cityloop.services.items.models import ServiceItem
from cityloop.services.places import service as places
from cityloop.services.schemas import (
    ActionIn,
    ApplicationIn,
    ApplicationOut,
    BundleFiledOut,
    BundleGuideOut,
    EvaluationIn,
    EvaluationOut,
    EventOut,
    GuideIn,
    GuideOut,
    ItemOut,
    MaterialOut,
    PlaceOut,
)

router = APIRouter(prefix="/api/v1/services", tags=["services"])
Code = Annotated[str, Path(max_length=40)]
AppId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/items", response_model=list[ItemOut])
def search_items(session: DbSession, q: Annotated[str, Query(max_length=100)] = "",
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[ItemOut]:
    """Search the public catalogue in everyday words (public: the catalogue is published information)."""
    return [item_out(i) for i in items.search(session, q, limit)]


@router.post("/items/{code}/guide", response_model=GuideOut, responses=error_responses(NotFound, ValidationFailed))
def resolve_guide(code: Code, body: GuideIn, session: DbSession) -> GuideOut:
    """Answers → the materials to bring and the 一次性告知单; incomplete answers → 422 naming the next question."""
    result = guides.resolve(session, code, body.answers)
    return GuideOut(code=result.item.code, name=result.item.name, promised_days=result.item.promised_days,
                    fees=result.item.fees, notice_url=result.notice_url,
                    materials=[MaterialOut(key=m["key"], name=m["name"], copies=m["copies"]) for m in result.materials])


@router.post("/applications", status_code=201, response_model=ApplicationOut,
             responses=error_responses(Forbidden, NotFound, ValidationFailed))
def file_application(body: ApplicationIn, session: DbSession, subject: CurrentSubject) -> ApplicationOut:
    """Apply for an item as a citizen; a missing material → 422 listing every one, nothing written."""
    return applications.present(applications.file(session, subject, body), subject)


@router.get("/applications/{app_id}", response_model=ApplicationOut, responses=error_responses(NotFound))
def get_application(app_id: AppId, session: DbSession, subject: CurrentSubject) -> ApplicationOut:
    """One application: the applicant's own, or one in the staff member's area."""
    app = applications.get(session, subject, app_id)
    applications.audit_personal_read(session, subject, [app])
    return applications.present(app, subject)


def item_out(item: ServiceItem) -> ItemOut:
    """The API view of an item."""
    return ItemOut(code=item.code, basic_code=item.basic_code, name=item.name, unit=item.unit_name,
                   item_type=item.item_type, service_object=item.service_object, promised_days=item.promised_days,
                   legal_days=item.legal_days, channels=item.channels, themes=item.themes, version=item.version)


@router.get("/applications", response_model=list[ApplicationOut])
def list_applications(session: DbSession, subject: CurrentSubject) -> list[ApplicationOut]:
    """The caller's applications: a citizen's own, staff's in their area."""
    return [applications.present(a, subject) for a in applications.mine(session, subject)]


@router.post("/applications/{app_id}/actions", response_model=ApplicationOut,
             responses=error_responses(Forbidden, NotFound, InvalidTransition, ValidationFailed))
def act_on_application(app_id: AppId, body: ActionIn, session: DbSession, subject: CurrentSubject) -> ApplicationOut:
    """One step (request_correction once with the full list, which stops the clock; resubmit; accept; decide…)."""
    step = workflow.Act(body.action, body.note, body.missing, body.materials)
    return applications.present(workflow.act(session, subject, app_id, step), subject)


@router.get("/applications/{app_id}/events", response_model=list[EventOut], responses=error_responses(NotFound))
def application_events(app_id: AppId, session: DbSession, subject: CurrentSubject) -> list[EventOut]:
    """Every step of the application, oldest first."""
    return [EventOut.model_validate(e, from_attributes=True) for e in applications.events(session, subject, app_id)]


@router.post("/applications/{app_id}/evaluation", status_code=201, response_model=EvaluationOut,
             responses=error_responses(Forbidden, NotFound, Conflict, InvalidTransition, ValidationFailed))
def rate_application(app_id: AppId, body: EvaluationIn, session: DbSession, subject: CurrentSubject) -> EvaluationOut:
    """好差评 by the applicant after 办结; a 差评 (1–2) opens a rectification case in the case loop."""
    ev = evaluations.rate(session, subject, app_id, body.score, body.text)
    return EvaluationOut(application_id=ev.application_id, score=ev.score, text=ev.text, case_id=ev.case_id)


@router.get("/kpi", responses=error_responses(Forbidden))
def services_kpi(session: ReadSession, subject: CurrentSubject, start: datetime, end: datetime,
                 by: kpi.By = "all", division_code: Annotated[str, Query(pattern=r"^[0-9]{0,12}$")] = ""
                 ) -> list[dict[str, Any]]:
    """The nine 一网通办 KPIs by area, unit or item over a period (definitions in docs/services.md)."""
    return kpi.report_for(session, subject, kpi.KpiQuery(start, end, division_code, by))


@router.post("/bundles/{code}/guide", response_model=BundleGuideOut,
             responses=error_responses(NotFound, ValidationFailed))
def resolve_bundle(code: Code, body: GuideIn, session: DbSession) -> BundleGuideOut:
    """一件事: the merged material list for the shared answers (a material two items need is listed once)."""
    guide = bundles.resolve(session, code, body.answers)
    return BundleGuideOut(code=guide.bundle.code, name=guide.bundle.name, items=[i.code for i in guide.items],
                          materials=[MaterialOut(key=m["key"], name=m["name"], copies=m["copies"])
                                     for m in guide.merged])


@router.post("/bundles/{code}/applications", status_code=201, response_model=BundleFiledOut,
             responses=error_responses(Forbidden, NotFound, ValidationFailed))
def file_bundle(code: Code, body: ApplicationIn, session: DbSession, subject: CurrentSubject) -> BundleFiledOut:
    """Apply for every item of a bundle with one form (`item_code` is ignored); all or nothing."""
    made = bundles.file(session, subject, code, body)
    return BundleFiledOut(bundle=code, applications=[applications.present(a, subject) for a in made])


@router.get("/places", response_model=list[PlaceOut])
def list_places(session: DbSession) -> list[PlaceOut]:
    """Service halls and centres with hours, windows, items and location (public)."""
    return [PlaceOut.model_validate(p, from_attributes=True) for p in places.places(session)]
