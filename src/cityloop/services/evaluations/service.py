"""好差评 rules: the applicant rates a concluded application once; a 差评 opens a rectification case."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.cases.intake import intake
from cityloop.cases.schemas import CaseIn
from cityloop.kit.auth import SYSTEM, Subject
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from cityloop.services.applications import service as applications
from cityloop.services.applications.models import Application
from cityloop.services.applications.states import DONE_STATES
from cityloop.services.evaluations import repository as repo
from cityloop.services.evaluations.models import Evaluation
from cityloop.services.items import repository as items_repo

BAD_AT_MOST = 2  # 1 非常不满意, 2 不满意: a 差评
SCORE_LABELS = {1: ("非常不满意", "Very dissatisfied"), 2: ("不满意", "Dissatisfied"), 3: ("基本满意", "Fair"),
                4: ("满意", "Satisfied"), 5: ("非常满意", "Very satisfied")}


def rate(session: Session, subject: Subject, app_id: int, score: int, text: str = "") -> Evaluation:
    """Record the applicant's rating; a 差评 files a rectification case into the case loop in the same commit."""
    app = applications.get(session, subject, app_id)
    if app.applicant_id != subject.id:
        raise Forbidden("只有申请人可以评价", "Only the applicant may rate")
    if app.state not in DONE_STATES:
        raise InvalidTransition("办结后才能评价", "Rate once the application is concluded")
    if score not in SCORE_LABELS:
        raise ValidationFailed({"score": ("评分应为 1–5", "score must be 1 to 5")})
    if repo.of_application(session, app.id) is not None:
        raise Conflict("已经评价过了", "Already rated")
    clean = text.strip()[:2000]
    if score <= BAD_AT_MOST and len(clean) < 2:
        raise ValidationFailed({"text": ("差评请说明原因，便于整改", "say what went wrong so it can be fixed")})
    # The case goes first (intake commits it; a retry replays it by its key), as evaluations are never updated.
    case_id = _rectification_case(session, app, score, clean) if score <= BAD_AT_MOST else None
    evaluation = Evaluation(application_id=app.id, applicant_id=subject.id, division_code=app.division_code,
                            item_code=app.item_code, score=score, text=clean, case_id=case_id)
    session.add(evaluation)
    audit.record(session, subject, "rate_application", "service_application", [app.id], {"score": score},
                 areas=[app.division_code])
    session.commit()
    return evaluation


def _rectification_case(session: Session, app: Application, score: int, text: str) -> int:
    """File the 差评整改 case (the case loop gives it its unit, limit, reply and revisit); returns its id."""
    item = items_repo.active(session, app.item_code)
    name = item.name if item else app.item_code
    data = CaseIn(channel="system", appeal_type="complain", title=f"好差评差评整改：{name}"[:200],
                  content=f"办件 {app.number}（{name}）收到差评（{SCORE_LABELS[score][0]}）：{text}",
                  location={"division_code": app.division_code}, tags=["好差评整改"],
                  source_system="services", external_id=f"evaluation-{app.id}")
    case, _created = intake(session, SYSTEM, data, idempotency_key=f"evaluation-{app.id}")
    return case.id


def of_application(session: Session, app_id: int) -> Evaluation | None:
    """The rating of an application the caller has already been shown."""
    return repo.of_application(session, app_id)
