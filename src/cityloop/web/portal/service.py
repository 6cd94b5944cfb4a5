"""Citizen portal rules: anonymous filing, tracking by number + lookup code, and the citizen's own rating.

Rating policy (满意度评价 by the citizen):
* state `verified`: the rating is applied at once as the `revisit` step (the citizen answers the revisit
  themself), performed through `workflow.perform` by a portal subject whose identity is the lookup code.
* state `completed` (replied, not yet verified on site): the rating is stored as an append-only
  `citizen_rating` event on the case, so the verifier sees it; when verification passes, the newest rating
  given after the latest reply is applied as the revisit automatically (hook on `workflow.after_action`).
  A failed verification sends the case back to the unit and the stored rating is not used, because it was about
  a reply that has now been rejected.
* already revisited or closed: rejected (a case is rated once); still open: rejected (nothing to rate yet).
"""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

from sqlalchemy.orm import Session

from cityloop.cases import repository as repo
from cityloop.cases import workflow
from cityloop.cases.intake import intake
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.schemas import ActionIn, CaseIn, CaseOut
from cityloop.cases.service import get_case, present
from cityloop.cases.states import Satisfaction, State
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Conflict, DomainError, NotFound, ValidationFailed

log = logging.getLogger("cityloop.web.portal")
RATING_EVENT = "citizen_rating"
# Who rates through the portal: the holder of the lookup code. The system role lets `perform` apply the
# revisit (normally an agent's step); this module only ever asks it for `revisit`.
PORTAL_RATER = Subject(id=None, name="群众评价(查询码)", roles=frozenset({Role.SYSTEM}), scope="", kind="citizen")
ANONYMOUS = Subject(id=None, name="portal", roles=frozenset({Role.CITIZEN}), scope="", kind="anonymous")
# Citizen wording of states and history steps, kept as data beside the code.
_WORDS: dict[str, dict[str, list[str]]] = json.loads(Path(__file__).with_name("citizen_words.json").read_text("utf-8"))
_NOT_FOUND = NotFound("工单编号或查询码不正确", "Wrong case number or lookup code")


def filer(subject: Subject | None) -> Subject:
    """The subject a portal filing runs as: the logged-in citizen, or an anonymous one."""
    return subject if subject is not None else ANONYMOUS


def file_appeal(session: Session, subject: Subject | None, data: CaseIn, nonce: str | None) -> Case:
    """File a citizen appeal; the form's nonce makes a double-submitted form file once."""
    case, _created = intake(session, filer(subject), data, nonce or None)
    return case


def _find(session: Session, number: str, code: str) -> Case:
    case = repo.case_by_number(session, SYSTEM, number.strip())
    # Compare even when the number is unknown so timing does not tell which numbers exist.
    expected = case.lookup_code if case else secrets.token_hex(3).upper()
    if not secrets.compare_digest(expected.encode(), code.strip().upper().encode()) or case is None:
        raise _NOT_FOUND
    return case


def track(session: Session, number: str, code: str, lang: str = "zh") -> CaseOut:
    """The public view of a case (personal data masked, no internal suggestions)."""
    case = _find(session, number, code)
    return present(session, ANONYMOUS, case, lang)


def track_page(session: Session, number: str, code: str, lang: str = "zh") -> dict[str, object]:
    """What the track page shows: the public case, its status and timeline in a citizen's words."""
    case = track(session, number, code, lang)
    return {"case": case, "status": citizen_status(case.state, lang),
            "timeline": citizen_timeline(session, number, code, lang)}


def own_case(session: Session, subject: Subject, case_id: int) -> tuple[str, str]:
    """(number, lookup code) of a case the logged-in citizen filed; NotFound for anyone else's."""
    case = get_case(session, subject, case_id)
    return case.number, case.lookup_code


def citizen_status(state: str, lang: str = "zh") -> str:
    """The state in the words a citizen uses (not the internal 已核查待回访)."""
    pair = _WORDS["states"].get(state)
    return pair[1 if lang == "en" else 0] if pair else ""


def citizen_timeline(session: Session, number: str, code: str, lang: str = "zh") -> list[dict[str, object]]:
    """The steps a citizen may see, in plain words; internal steps (urges, re-categorising, cards) are left out."""
    case = _find(session, number, code)
    steps: list[dict[str, object]] = []
    for event in repo.events_of(session, case.id):
        pair = _WORDS["events"].get(event.action)
        # A failed on-site check sends the case back to work; say so rather than "checked".
        if event.action == "verify" and event.data and event.data.get("passed") is False:
            pair = _WORDS["events"]["reopen"]
        if pair is None or (steps and steps[-1]["text"] == pair[1 if lang == "en" else 0]):
            continue
        steps.append({"at": event.at, "text": pair[1 if lang == "en" else 0]})
    return steps


def pending_rating(session: Session, case_id: int) -> CaseEvent | None:
    """The citizen's stored rating given after the latest reply, if any."""
    latest: CaseEvent | None = None
    for event in repo.events_of(session, case_id):
        if event.action in {"complete", "revisit", "reopen"}:
            latest = None
        elif event.action == RATING_EVENT:
            latest = event
    return latest


def rate(session: Session, number: str, code: str, satisfaction: str, comment: str) -> str:
    """Record the citizen's rating; returns "revisited" (applied now) or "pending" (applied on verification)."""
    if satisfaction not in set(Satisfaction):
        raise ValidationFailed({"satisfaction": ("请选择满意度", "Choose how satisfied you are")})
    if len(comment) > 2000:
        raise ValidationFailed({"comment": ("评价内容不超过2000字", "At most 2000 characters")})
    case = _find(session, number, code)
    if case.state == State.VERIFIED:
        body = ActionIn(satisfaction=satisfaction, note=comment.strip())
        workflow.perform(session, PORTAL_RATER, case.id, "revisit", body)
        return "revisited"
    if case.state == State.COMPLETED:
        if pending_rating(session, case.id) is not None:
            raise Conflict("您已评价过本次答复", "You have already rated this reply")
        session.add(CaseEvent(case_id=case.id, action=RATING_EVENT, from_state=case.state, to_state=case.state,
                              actor_id=None, actor_name=PORTAL_RATER.name, actor_kind="citizen", at=utcnow(),
                              note=comment.strip(), data={"satisfaction": satisfaction}))
        session.commit()
        return "pending"
    if case.state in {State.REVISITED, State.CLOSED}:
        raise Conflict("该工单已评价", "This case has already been rated")
    raise Conflict("工单尚未办结，暂不能评价", "The case has no reply yet; you can rate it once it is answered")


def _apply_pending(session: Session, _subject: Subject, case: Case, action: str, body: ActionIn) -> None:
    """After a passed verification, apply the citizen's stored rating as the revisit."""
    if action != "verify" or not body.passed or case.state != State.VERIFIED:
        return
    rating = pending_rating(session, case.id)
    if rating is None:
        return
    try:
        workflow.perform(session, PORTAL_RATER, case.id, "revisit",
                         ActionIn(satisfaction=rating.data.get("satisfaction"), note=rating.note))
    except DomainError:
        # The verification already succeeded; a revisit that cannot be applied is left to the agent.
        session.rollback()
        log.warning("stored citizen rating of case %s could not be applied", case.id, exc_info=True)


if _apply_pending not in workflow.after_action:
    workflow.after_action.append(_apply_pending)
