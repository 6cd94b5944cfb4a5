"""The issue's "done when": the citizen's SMS appears in the delivery log, on acceptance and with the rating link."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from cityloop.accounts.notifications.models import Notification
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import in_action, perform
from cityloop.channels.notify import templates
from cityloop.channels.notify.models import DeliveryAttempt, OutboxMessage
from cityloop.channels.notify.outbox import track_url
from cityloop.cli import app
from cityloop.config import get_settings
from cityloop.kit.crypto import decrypt
from cityloop.kit.masking import mask_phone

PHONE = "13912345678"
CLOSE_PATH = [("street_handler", "sign", {}), ("street_handler", "complete", {"reply": "已联系城管中队清理摊贩。"}),
              ("grid_worker", "verify", {"passed": True}), ("agent", "revisit", {"satisfaction": "satisfied"}),
              ("dispatcher", "close", {})]


def _sms_to(db, phone: str) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    db.expire_all()
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms").order_by(OutboxMessage.id))
    return [r for r in rows if decrypt(r.recipient) == phone]


def _log_of(db, message: OutboxMessage) -> list[DeliveryAttempt]:  # type: ignore[no-untyped-def]
    return list(db.scalars(select(DeliveryAttempt).where(DeliveryAttempt.outbox_id == message.id)))


def _send() -> dict[str, int]:
    import json

    done = CliRunner().invoke(app, ["notify", "send"])
    assert done.exit_code == 0, done.output
    return dict(json.loads(done.output.strip().splitlines()[-1]))


def test_the_citizen_is_told_on_acceptance_and_on_closing_with_the_rating_link(client, auth, db, world) -> None:
    body = {"channel": "hotline", "appeal_type": "complain", "title": "小区门口占道经营",
            "content": "每天晚上有摊贩占道经营。", "reporter": {"name": "李四", "phone": PHONE},
            "location": {"division_code": "330106001"}, "category_code": "010101"}
    case = client.post("/api/v1/cases", json=body, headers=auth("agent")).json()
    (queued,) = _sms_to(db, PHONE)
    assert queued.status == "pending"
    assert _log_of(db, queued) == []

    assert _send()["sent"] >= 1
    (accepted,) = _sms_to(db, PHONE)
    (attempt,) = _log_of(db, accepted)
    assert attempt.ok
    assert attempt.channel == "sms"
    assert attempt.recipient_masked == mask_phone(PHONE)
    assert accepted.status == "sent"
    assert accepted.kind == "accepted"
    assert case["number"] in accepted.text
    assert body["title"] in accepted.text
    assert accepted.text.startswith(templates.SEED["accepted"]["zh"].split("{")[0])

    from cityloop.cases import repository as cases_repo
    from cityloop.kit.auth import SYSTEM

    stored = cases_repo.get_case(db, SYSTEM, case["id"])
    assert stored is not None
    link = track_url(stored)
    for step, (who, action, payload) in enumerate(CLOSE_PATH):
        resp = client.post(f"/api/v1/cases/{case['id']}/actions/{action}", json=payload, headers=auth(who))
        assert resp.status_code == 200, resp.text
        if action == "complete":
            _send()
            answered = _sms_to(db, PHONE)[-1]
            assert answered.kind == "completed"
            assert link in answered.text
            # The link really is the citizen's tracking page, and while the case is answered it takes a rating.
            page = client.get(link.removeprefix(get_settings().public_base_url.rstrip("/")))
            assert page.status_code == 200
            assert case["number"] in page.text
            assert "/portal/rate" in page.text
            assert step < len(CLOSE_PATH) - 1
    _send()
    closed = _sms_to(db, PHONE)[-1]
    assert closed.kind == "closed"
    assert closed.status == "sent"
    assert len(_log_of(db, closed)) == 1
    assert link in closed.text
    assert [m.kind for m in _sms_to(db, PHONE)] == ["accepted", "completed", "closed"]


def test_the_notice_is_part_of_the_events_transaction(db, world) -> None:
    from builders import file_case

    case = file_case(db, world.subjects["agent"], reporter={"name": "王五", "phone": PHONE})
    for who, action, payload in CLOSE_PATH[:-1]:
        perform(db, world.subjects[who], case.id, action, ActionIn.model_validate(payload))

    def broken(*_args: object) -> None:
        raise RuntimeError("the close fails after the notices were written")

    in_action.append(broken)
    try:
        try:
            perform(db, world.subjects["dispatcher"], case.id, "close", ActionIn())
        except RuntimeError:
            db.rollback()
    finally:
        in_action.remove(broken)
    # No "closed" SMS for a close that did not happen.
    assert [m.kind for m in _sms_to(db, PHONE)] == ["accepted", "completed"]
    perform(db, world.subjects["dispatcher"], case.id, "close", ActionIn())
    assert [m.kind for m in _sms_to(db, PHONE)] == ["accepted", "completed", "closed"]


def test_a_citizen_with_an_account_also_gets_it_in_the_inbox(client, auth, db, world) -> None:
    body = {"channel": "web", "appeal_type": "help", "title": "路灯不亮", "content": "门口路灯坏了好几天。",
            "location": {"division_code": "330106001"}}
    case = client.post("/api/v1/cases", json=body, headers=auth("citizen")).json()
    assert _send()["sent"] >= 1
    inbox = client.get("/api/v1/notifications", headers=auth("citizen")).json()
    assert [n["kind"] for n in inbox["items"]] == ["accepted"]
    assert case["number"] in inbox["items"][0]["text"]
    assert db.scalars(select(Notification).where(Notification.user_id == world.users["citizen"].id)).all()


def test_imported_history_sends_nothing(db, world) -> None:
    from datetime import timedelta

    from builders import file_case
    from cityloop.kit.clock import utcnow

    file_case(db, world.subjects["admin"], reporter={"name": "旧案", "phone": PHONE},
              received_at=(utcnow() - timedelta(days=3)).isoformat())
    assert _sms_to(db, PHONE) == []
    file_case(db, world.subjects["admin"], reporter={"name": "新案", "phone": PHONE})
    assert [m.kind for m in _sms_to(db, PHONE)] == ["accepted"]


def test_the_sender_runs_inside_the_app_with_the_job_runner(db, world, monkeypatch) -> None:
    import time

    from fastapi.testclient import TestClient

    from builders import file_case
    from cityloop.app import create_app
    from cityloop.config import get_settings

    monkeypatch.setenv("CITYLOOP_RUN_JOBS", "true")
    monkeypatch.setenv("CITYLOOP_JOB_POLL_SECONDS", "30")
    monkeypatch.setenv("CITYLOOP_NOTIFY_POLL_SECONDS", "0.2")
    get_settings.cache_clear()
    file_case(db, world.subjects["agent"], reporter={"name": "王五", "phone": PHONE})
    with TestClient(create_app()):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _sms_to(db, PHONE)[0].status != "sent":
            time.sleep(0.1)
    assert _sms_to(db, PHONE)[0].status == "sent"


def test_the_tracking_page_offers_stopping_sms_for_the_reporters_phone(client, db, world) -> None:
    from builders import file_case
    from cityloop.web.security import CSRF_COOKIE

    case = file_case(db, world.subjects["agent"], reporter={"name": "王五", "phone": PHONE})
    page = client.get("/portal/track", params={"number": case.number, "code": case.lookup_code})
    assert "/portal/sms-opt-out" in page.text
    form = {"number": case.number, "code": case.lookup_code, "csrf_token": client.cookies[CSRF_COOKIE]}
    done = client.post("/portal/sms-opt-out", data=form, follow_redirects=True)
    assert done.status_code == 200
    assert "/portal/sms-opt-out" not in done.text
    wrong = client.post("/portal/sms-opt-out", data={**form, "code": "WRONGCOD"})
    assert wrong.status_code == 404
    file_case(db, world.subjects["agent"], reporter={"name": "王五", "phone": PHONE})
    assert [m.kind for m in _sms_to(db, PHONE)] == ["accepted"]  # the second case queued nothing
