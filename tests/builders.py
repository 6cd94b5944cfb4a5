"""Builders that create test data through the real services (no hand-made rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.accounts import service as accounts
from cityloop.accounts.models import Unit, User
from cityloop.areas.divisions.models import Division
from cityloop.cases.intake import intake
from cityloop.cases.models import Case
from cityloop.cases.schemas import CaseIn
from cityloop.cases.taxonomy import COLUMNS, import_taxonomy
from cityloop.kit.auth import Role, Subject

PASSWORD = "secret-pass-1"

TAXONOMY_CSV = ",".join(COLUMNS) + """
01,市容环境,0101,市容秩序,010101,占道经营,摆摊 占道,street,street_office,,2,wh,5,wd,C,
01,市容环境,0101,市容秩序,010101,占道经营,摆摊 占道,district,chengguan,,2,wh,7,wd,C,
01,市容环境,0102,环境卫生,010201,垃圾清运不及时,垃圾,district,chengguan,,2,wh,3,wd,C,
02,城乡建设,0201,物业管理,020101,物业服务纠纷,物业,district,zhujian,complain,1,wd,15,wd,B,
02,城乡建设,0201,物业管理,020101,物业服务纠纷,物业,district,zhujian,,1,wd,10,wd,B,
03,公共安全,0301,城市部件,030101,井盖缺失,井盖,district,chengguan,,1,h,4,h,A,
04,争议事项,0401,职责不清,040101,职责交叉事项,,city,,,2,wh,10,wd,C,yes
"""

CITY, DISTRICT, STREET, OTHER_DISTRICT, OTHER_STREET = "3301", "330106", "330106001", "330105", "330105001"


@dataclass
class World:
    """A tiny city with units, users and a taxonomy."""

    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)


def build_world(session: Session, tmp_path: Path) -> World:
    """Divisions, units (city centre, two districts' departments, street offices), one user per role."""
    w = World()
    for code, name, level, parent in [(CITY, "杭州市", 2, "33"), (DISTRICT, "西湖区", 3, CITY),
                                      (STREET, "北山街道", 4, DISTRICT), (OTHER_DISTRICT, "拱墅区", 3, CITY),
                                      (OTHER_STREET, "米市巷街道", 4, OTHER_DISTRICT)]:
        session.add(Division(code=code, name=name, level=level, parent_code=parent))
    u = w.units
    u["center"] = accounts.create_unit(session, "市12345中心", CITY, kind="center", unit_type="center")
    u["chengguan"] = accounts.create_unit(session, "西湖区城管局", DISTRICT, unit_type="chengguan", parent=u["center"])
    u["zhujian"] = accounts.create_unit(session, "西湖区住建局", DISTRICT, unit_type="zhujian", parent=u["center"])
    u["street"] = accounts.create_unit(session, "北山街道办", STREET, kind="area_office", unit_type="street_office",
                                       parent=u["center"])
    u["other_cg"] = accounts.create_unit(session, "拱墅区城管局", OTHER_DISTRICT, unit_type="chengguan",
                                         parent=u["center"])
    specs: list[tuple[str, list[Role], str, Unit]] = [
        ("admin", [Role.ADMIN], CITY, u["center"]),
        ("agent", [Role.AGENT], CITY, u["center"]),
        ("dispatcher", [Role.DISPATCHER], CITY, u["center"]),
        ("supervisor", [Role.SUPERVISOR], CITY, u["center"]),
        ("leader", [Role.LEADER], CITY, u["center"]),
        ("handler", [Role.HANDLER], DISTRICT, u["chengguan"]),
        ("zj_handler", [Role.HANDLER], DISTRICT, u["zhujian"]),
        ("street_handler", [Role.HANDLER], STREET, u["street"]),
        ("other_handler", [Role.HANDLER], OTHER_DISTRICT, u["other_cg"]),
        ("other_dispatcher", [Role.DISPATCHER], OTHER_DISTRICT, u["other_cg"]),
        ("grid_worker", [Role.GRID_WORKER], STREET, u["street"]),
        ("citizen", [Role.CITIZEN], "", u["center"]),
    ]
    for name, roles, scope, unit in specs:
        user = accounts.create_user(session, name, PASSWORD, roles, scope=scope,
                                    unit=None if roles == [Role.CITIZEN] else unit)
        w.users[name] = user
    session.commit()
    for name, user in w.users.items():
        w.subjects[name] = accounts.subject_for_user(session, user)
    path = tmp_path / "taxonomy.csv"
    path.write_text(TAXONOMY_CSV, encoding="utf-8")
    import_taxonomy(session, path, "test")
    session.commit()
    return w


def case_in(**overrides: Any) -> CaseIn:
    """A valid intake payload with optional overrides."""
    data: dict[str, Any] = {
        "channel": "hotline", "appeal_type": "complain", "title": "小区门口占道经营",
        "content": "每天晚上有摊贩在小区门口占道经营，影响通行，请处理。",
        "reporter": {"name": "张三", "phone": "13812345678"},
        "location": {"address": "西湖区北山街道某小区", "division_code": STREET},
        "category_code": "010101",
    }
    data.update(overrides)
    return CaseIn.model_validate(data)


def file_case(session: Session, subject: Subject, **overrides: Any) -> Case:
    """File a case through intake."""
    case, _created = intake(session, subject, case_in(**overrides))
    return case
