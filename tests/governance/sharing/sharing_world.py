"""Builders of the sharing tests: the test city plus an owner supervisor, resources and cases routed to 城管 units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from builders import CITY, DISTRICT, OTHER_STREET, PASSWORD, STREET, World, file_case
from cityloop.accounts import service as accounts
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.governance.sharing.requests import service as requests
from cityloop.governance.sharing.requests.schemas import RequestIn, RequestOut
from cityloop.governance.sharing.resources.schemas import ResourceIn
from cityloop.governance.sharing.resources.service import save_resource
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import to_local, utcnow

CASE_FIELDS = ["id", "number", "title", "division_code", "category_code", "state", "reporter_phone", "received_at"]
PHONE = "13812345678"


@dataclass
class ShareWorld:
    """Who is who and what exists."""

    w: World
    subjects: dict[str, Subject]
    cases: dict[int, str] = field(default_factory=dict)  # case id → division code (all handled by 城管 units)


def resource_in(code: str, owner: int, fields: list[str], sharing: str = "conditional",
                conditions: str = "") -> ResourceIn:
    """A cases resource payload."""
    return ResourceIn(code=code, title=f"城管工单 {code}", owner_unit_id=owner, source="cases",
                      update_frequency="daily", sharing_type=sharing, opening_type="none", conditions=conditions,
                      fields=fields)


def request_in(code: str = "cg-cases", fields: list[str] | None = None, area: str = "", masked: bool = True,
               rate: int | None = None, days: int = 30) -> RequestIn:
    """A valid request payload starting today."""
    today = to_local(utcnow()).date()
    return RequestIn(resource_code=code, purpose="住房安全排查需要核对相关投诉", fields=fields or ["id", "title"],
                     masked=masked, starts_on=today, ends_on=today + timedelta(days=days), area_code=area,
                     rate_per_minute=rate)


def approved(db: Session, share: ShareWorld, data: RequestIn) -> tuple[RequestOut, str]:
    """Submit as the 住建局 handler and approve through every step; the request and its clear key."""
    s = share.subjects
    out = requests.submit(db, s["zj_handler"], data)
    out = requests.act(db, s["cg_lead"], out.id, "approve_owner")
    if out.needs_bureau:
        out = requests.act(db, s["admin"], out.id, "approve_bureau")
    assert out.key is not None
    return out, out.key


def _user(db: Session, w: World, name: str, roles: list[Role], unit: str, scope: str) -> Subject:
    user = accounts.create_user(db, name, PASSWORD, roles, scope=scope, unit=w.units[unit])
    db.commit()
    return accounts.subject_for_user(db, user)


def build_share(db: Session, world: World) -> ShareWorld:
    """Resources of 西湖区城管局, its supervisor, a 住建局 supervisor, cases routed to 城管 units in two districts."""
    subjects = dict(world.subjects)
    subjects["cg_lead"] = _user(db, world, "cg_lead", [Role.SUPERVISOR], "chengguan", DISTRICT)
    subjects["zj_lead"] = _user(db, world, "zj_lead", [Role.SUPERVISOR], "zhujian", DISTRICT)
    subjects["admin2"] = _user(db, world, "admin2", [Role.ADMIN], "center", CITY)
    owner = world.units["chengguan"].id
    admin = subjects["admin"]
    save_resource(db, admin, resource_in("cg-cases", owner, CASE_FIELDS))
    save_resource(db, admin, resource_in("cg-basic", owner, ["id", "title", "division_code", "state"],
                                         sharing="unconditional"))
    save_resource(db, admin, resource_in("cg-secret", owner, ["id", "title"], sharing="none",
                                         conditions="涉及执法秘密 / enforcement secrets"))
    found = ShareWorld(world, subjects)
    for division, unit in ((STREET, "chengguan"), (STREET, "chengguan"), (OTHER_STREET, "other_cg"),
                           (DISTRICT, "street")):
        case = file_case(db, subjects["dispatcher"], location={"address": "某路1号", "division_code": division},
                         category_code="040101", reporter={"name": "张三", "phone": PHONE})
        perform(db, subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units[unit].id))
        if unit != "street":  # a street office is no 城管 unit: its case is not the resource's
            found.cases[case.id] = division
    return found
