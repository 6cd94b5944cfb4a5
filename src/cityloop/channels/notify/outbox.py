"""Who is told what: outbox messages written in the transaction of the event that causes them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from cityloop.accounts.notifications.models import Notification
from cityloop.cases import repository as cases_repo
from cityloop.cases.models import Case
from cityloop.cases.schemas import ActionIn
from cityloop.channels.notify import repository as repo
from cityloop.channels.notify import templates
from cityloop.channels.notify.models import OutboxMessage
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.core_insert import insert_loaded
from cityloop.kit.crypto import blind_index, decrypt, encrypt

# A case received longer ago than this when it is filed is history being imported (received_at set by an
# administrator or the bulk importer): its citizen must not get an "accepted" SMS years late.
HISTORY = timedelta(hours=1)
# Workflow actions that concern the citizen, and the template kind they get. The answer (complete) gets the rating
# link too: the portal takes a rating while a case is completed or verified, and a case may be closed unrated.
CITIZEN_ACTIONS = {"complete": "completed", "close": "closed"}
# Actions announced to the webhook (the handler's SMS come through the in-app notices instead).
WEBHOOK_ACTIONS = {"dispatch": "dispatched", "reassign": "dispatched", "reopen": "dispatched", "urge": "urged",
                   "close": "closed"}


def track_url(case: Case) -> str:
    """The public tracking page of a case (where the citizen also rates it)."""
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/portal/track?" + urlencode({"number": case.number, "code": case.lookup_code})


def on_intake(session: Session, case: Case) -> None:
    """A new case: tell the reporter it was accepted; announce it (and an automatic dispatch) to the webhook."""
    if utcnow() - case.received_at > HISTORY:
        return
    _to_citizen(session, case, "accepted")
    _webhook(session, case, "accepted")
    if case.unit_id is not None:
        _webhook(session, case, "dispatched")


def on_action(session: Session, _subject: Subject, case: Case, action: str, _body: ActionIn) -> None:
    """A workflow action: the citizen's notice (closing) and the webhook's event."""
    if action in CITIZEN_ACTIONS:
        _to_citizen(session, case, CITIZEN_ACTIONS[action])
    if action in WEBHOOK_ACTIONS:
        _webhook(session, case, WEBHOOK_ACTIONS[action])


def on_notice(session: Session, notice: Notification) -> None:
    """An in-app notice to staff also goes out by SMS when its kind has a template and the user has a phone."""
    if notice.kind not in templates.SEED or templates.SEED[notice.kind]["audience"] != "handler":
        return
    phone = repo.user_phone(session, notice.user_id)
    if not phone:
        return
    case = cases_repo.get_case(session, SYSTEM, notice.case_id) if notice.case_id else None
    lang = get_settings().notify_lang
    text = notice.text_en if lang == "en" and notice.text_en else notice.text
    values = {"number": case.number if case else "", "title": case.title if case else "", "text": text}
    _sms(session, notice.kind, case, phone, templates.render(session, notice.kind, lang, values), notice.user_id)


def _to_citizen(session: Session, case: Case, kind: str) -> None:
    lang = get_settings().notify_lang
    text = templates.render(session, kind, lang, {"number": case.number, "title": case.title,
                                                  "track_url": track_url(case)})
    phone = decrypt(case.reporter_phone)
    if phone:
        _sms(session, kind, case, phone, text, case.reporter_user_id)
    if case.reporter_user_id is not None:
        # A citizen with an account also finds it in the 站内信 inbox.
        _add(session, "inbox", kind, case, None, text, case.reporter_user_id, {})


def _sms(session: Session, kind: str, case: Case | None, phone: str, text: str, user_id: int | None) -> None:
    if repo.opted_out(session, user_id, blind_index(phone)):
        return
    _add(session, "sms", kind, case, phone, text, user_id, {})


def _webhook(session: Session, case: Case, kind: str) -> None:
    url = get_settings().notify_webhook_url
    if not url:
        return
    payload = {"event": f"case.{kind}", "case_id": case.id, "number": case.number, "state": case.state,
               "channel": case.channel, "division_code": case.division_code, "unit_id": case.unit_id,
               "category_code": case.category_code, "at": utcnow().isoformat()}
    _add(session, "webhook", kind, case, url, "", None, payload)


def _add(session: Session, channel: str, kind: str, case: Case | None, recipient: str | None, text: str,
         user_id: int | None, payload: dict[str, Any]) -> None:
    insert_loaded(session, [OutboxMessage(channel=channel, kind=kind, case_id=case.id if case else None,
                                          division_code=case.division_code if case else "", user_id=user_id,
                                          recipient=encrypt(recipient), recipient_index=blind_index(recipient),
                                          text=text, payload=payload, next_attempt_at=utcnow())])
