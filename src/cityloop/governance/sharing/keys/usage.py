"""Usage statistics of sharing keys, per consumer unit and per resource."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cityloop.governance.sharing.keys import repository as repo
from cityloop.governance.sharing.keys.schemas import UsageOut, UsageRow
from cityloop.governance.sharing.resources import repository as resources
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden


def usage(session: Session, subject: Subject) -> UsageOut:
    """Administrators (and the command line) see every call; a supervisor, the calls on their unit's resources."""
    operator = Role.SYSTEM in subject.roles  # the command line
    if not operator and (subject.kind != "user" or not subject.has(Role.SUPERVISOR)):
        raise Forbidden("仅管理员和数源单位督办员可查看共享统计", "Only administrators and owner supervisors may "
                        "read sharing statistics")
    owner = None if operator or Role.ADMIN in subject.roles else (subject.unit_id or -1)
    units = resources.unit_names(session)
    codes = {r.id: f"{r.code} {r.title}" for r in resources.all_resources(session)}

    def rows(column: str, names: dict[int, str]) -> list[UsageRow]:
        return [UsageRow(id=r["id"], name=names.get(r["id"], ""), calls=r["calls"], ok=r["ok"] or 0,
                         rows=r["rows"] or 0, last_at=r["last_at"]) for r in repo.usage_by(session, column, owner)]

    return UsageOut(by_consumer=rows("consumer", units), by_resource=rows("resource", codes))
