"""The authenticated subject every service call receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """Roles of DOMAIN.md; labels live in `ROLE_LABELS`."""

    CITIZEN = "citizen"
    AGENT = "agent"
    DISPATCHER = "dispatcher"
    HANDLER = "handler"
    GRID_WORKER = "grid_worker"
    WINDOW = "window"
    SUPERVISOR = "supervisor"
    LEADER = "leader"
    ADMIN = "admin"
    FIRM = "firm"
    SYSTEM = "system"


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.CITIZEN: ("群众", "Citizen"),
    Role.AGENT: ("话务员", "Agent"),
    Role.DISPATCHER: ("派单员", "Dispatcher"),
    Role.HANDLER: ("承办人", "Handler"),
    Role.GRID_WORKER: ("网格员", "Grid worker"),
    Role.WINDOW: ("窗口人员", "Service window"),
    Role.SUPERVISOR: ("督办员", "Supervisor"),
    Role.LEADER: ("领导", "Leader"),
    Role.ADMIN: ("管理员", "Administrator"),
    Role.FIRM: ("企业", "Firm"),
    Role.SYSTEM: ("系统", "System"),
}

# Accounts of the public: citizens and legal persons (法人账号), never staff.
PUBLIC_ROLES = frozenset({Role.CITIZEN, Role.FIRM})
# Roles allowed to read personal data (name, phone, ID) in clear.
PII_ROLES = frozenset({Role.AGENT, Role.DISPATCHER, Role.HANDLER, Role.WINDOW, Role.ADMIN, Role.SYSTEM})


@dataclass(frozen=True)
class Subject:
    """Who is calling: a user, an API key or the system itself."""

    id: int | None
    name: str
    roles: frozenset[Role]
    scope: str
    unit_id: int | None = None
    kind: str = "user"
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    # Units located in the subject's area: dispatchers, supervisors and leaders of an area cover their cases.
    area_unit_ids: frozenset[int] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        """True if the subject holds any of `roles` (admin and system hold all)."""
        if Role.ADMIN in self.roles or Role.SYSTEM in self.roles:
            return True
        return any(r in self.roles for r in roles)

    @property
    def is_staff(self) -> bool:
        """Anyone but a plain citizen or a firm (法人账号): those see only what concerns themselves."""
        return bool(self.roles - PUBLIC_ROLES)

    @property
    def sees_pii(self) -> bool:
        """May read personal data unmasked."""
        return bool(self.roles & PII_ROLES)

    def in_scope(self, division_code: str | None) -> bool:
        """True if `division_code` lies in the subject's area subtree."""
        if not self.scope:
            return False
        return bool(division_code) and str(division_code).startswith(self.scope)


SYSTEM = Subject(id=None, name="system", roles=frozenset({Role.SYSTEM}), scope="", kind="system")
