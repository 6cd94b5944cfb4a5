"""90 days of demo applications in every state, with ratings; bad ones go to the case loop like real ones.

Everything goes through the service layer with the clock set to each step's time, so deadlines, 补正
suspensions, events and rectification cases are what the live system would have produced.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cityloop.accounts import repository as accounts_repo
from cityloop.accounts import service as accounts
from cityloop.cases.schemas import ActionIn as CaseActionIn
from cityloop.cases.workflow import perform
from cityloop.kit import clock
from cityloop.kit.auth import Subject
from cityloop.kit.calendar import TZ
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import DomainError
from cityloop.services.applications import service as applications
from cityloop.services.applications import workflow
from cityloop.services.evaluations import service as evaluations
from cityloop.services.guides.service import required_materials
from cityloop.services.items import repository as items_repo
from cityloop.services.items.models import ServiceItem
from cityloop.services.schemas import ApplicationIn

BAD_TEXTS = ("窗口让我来回跑了两趟，材料要求前后说法不一。", "等了一个多小时才叫到号，工作人员态度冷淡。",
             "网上提交后好几天没人处理，打电话也没人接。", "告知单上没写清楚要原件，白跑一趟。")
NOTES = {"approve": "准予办理。", "deny": "不符合条件：材料与事实不符。",
         "reject": "不属于本机关职权范围，已告知向有权机关申请。"}
RECTIFIED = ("已约谈窗口负责人，统一材料口径并在告知单上注明原件要求，已向申请人致歉。",
             "已增设高峰时段弹性窗口，叫号等候时间压缩到二十分钟以内，已电话回复申请人。",
             "已核实网办件超时原因为系统派件遗漏，已补正流程并对责任人批评教育。")
GOOD_TEXTS = ("办得很快，一次就办好了。", "工作人员很耐心，讲得清楚。", "", "网上就办完了，不用跑腿。", "")


def answers_for(item: ServiceItem, rng: random.Random) -> dict[str, str]:
    """A random complete path through the item's guide."""
    answers: dict[str, str] = {}
    guide = item.guide
    key = guide.get("start") if guide else None
    while key is not None:
        option = rng.choice(sorted(guide["questions"][key]["options"]))
        answers[key] = option
        key = guide["questions"][key]["options"][option].get("next")
    return answers


def seed_history(session: Session, days: int = 90, per_day: int = 12, seed: int = 42) -> dict[str, Any]:
    """File and walk `per_day` applications a day over the last `days` days; returns counts by state."""
    citizen, window = _user(session, "citizen"), _user(session, "window")
    if citizen is None or window is None:
        return {"skipped": "no demo users (run `cityloop demo seed` first)"}
    rng = random.Random(seed)
    items = items_repo.all_active(session)
    weights = [3 if "出生" in i.themes or "开办企业" in i.themes else 1 for i in items]
    end = utcnow()
    today = end.astimezone(TZ).date()
    states: dict[str, int] = {}
    try:
        for back in range(days, -1, -1):
            day = today - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for _ in range(rng.randint(per_day // 2, per_day * 3 // 2)):
                at = datetime.combine(day, time(9), TZ) + timedelta(minutes=rng.randint(0, 420))
                if at > end:
                    continue
                app = _walk(session, rng, rng.choices(items, weights)[0], (at, end), (citizen, window), back)
                states[app] = states.get(app, 0) + 1
    finally:
        clock.freeze(None)
    return {"applications": sum(states.values()), "by_state": states}


def _user(session: Session, name: str) -> Subject | None:
    user = accounts_repo.user_by_name(session, name)
    return accounts.subject_for_user(session, user) if user else None


def _walk(session: Session, rng: random.Random, item: ServiceItem, span: tuple[datetime, datetime],
          people: tuple[Subject, Subject], age_days: int) -> str:
    (at, end), (citizen, window) = span, people
    clock.freeze(at)
    answers = answers_for(item, rng)
    keys = [m["key"] for m in required_materials(item, answers)]
    app = applications.file(session, citizen, ApplicationIn(item_code=item.code, answers=answers, materials=keys))
    if rng.random() < 0.35:
        app.channel = "window"
        session.commit()
    steps = _plan(rng, age_days)
    now = at
    for action in steps:
        now += timedelta(hours=rng.choice((1, 3, 20, 26, 50)) if action != "resubmit" else 30)
        if now > end:
            break
        clock.freeze(now)
        who = citizen if action == "resubmit" else window
        note = NOTES.get(action, "")
        missing = ["身份证明需提交原件", "申请表缺少签名"] if action == "request_correction" else []
        workflow.act(session, who, app.id, workflow.Act(action, note, missing, missing))
    if app.state in {"approved", "denied", "delivered"} and rng.random() < 0.8:
        clock.freeze(now + timedelta(hours=4))
        score = rng.choices((5, 4, 3, 2, 1), (60, 20, 8, 7, 5))[0]
        text = rng.choice(BAD_TEXTS) if score <= 2 else rng.choice(GOOD_TEXTS)
        rated = evaluations.rate(session, citizen, app.id, score, text)
        if rated.case_id and age_days > 5 and rng.random() < 0.85:
            _rectify(session, rng, rated.case_id, now + timedelta(hours=5))
    return app.state


def _rectify(session: Session, rng: random.Random, case_id: int, at: datetime) -> None:
    """Walk a 差评 case through the loop: dispatched to a unit, signed, answered (late now and then)."""
    dispatcher, handler = _user(session, "dispatcher"), _user(session, "handler")
    if dispatcher is None or handler is None or handler.unit_id is None:
        return
    steps: list[tuple[Subject, str, dict[str, Any], timedelta]] = [
        (dispatcher, "dispatch", {"unit_id": handler.unit_id}, timedelta(minutes=20)),
        (handler, "sign", {}, timedelta(hours=2)),
        (handler, "complete", {"reply": rng.choice(RECTIFIED)}, timedelta(days=rng.choice((1, 2, 3, 12)))),
    ]
    try:
        for who, action, body, delay in steps:
            at += delay
            clock.freeze(at)
            perform(session, who, case_id, action, CaseActionIn.model_validate(body))
    except DomainError:  # a routing hook may already have placed the case; the demo just leaves it there
        session.rollback()


def _plan(rng: random.Random, age_days: int) -> list[str]:
    """The steps an application of this age has gone through (recent ones are still open)."""
    path = ["request_correction", "resubmit"] if rng.random() < 0.15 else []
    if rng.random() < 0.04:
        return [*path, "reject"]
    path += ["accept"] + (["review"] if rng.random() < 0.5 else [])
    path += ["deny"] if rng.random() < 0.05 else ["approve"]
    path += ["deliver"] if rng.random() < 0.7 else []
    if age_days < 3:
        return path[:rng.randint(0, len(path))]
    return path

