"""Tables of the case engine: taxonomy versions, categories, responsibility rules, cases, events, holidays."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, ForeignKey, Index, String, Text, UniqueConstraint, event, false, insert
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.crypto import ENCRYPTED, blind_index_of
from cityloop.kit.db import MAX_ID, Base, TimestampMixin, append_only


class TaxonomyVersion(Base):
    """One imported edition of the taxonomy and responsibility list; exactly one is active."""

    __tablename__ = "taxonomy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    is_active: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Category(Base):
    """A node of 行业领域 → 问题类型 → 问题表现 within one taxonomy version."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("version_id", "code", name="uq_categories_version_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("taxonomy_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160), default="")
    parent_code: Mapped[str | None] = mapped_column(String(40))
    level: Mapped[int] = mapped_column()
    keywords: Mapped[str] = mapped_column(String(500), default="")


class ResponsibilityRule(Base):
    """Who handles a leaf category at an area level, with its limits and default grade."""

    __tablename__ = "responsibility_rules"
    __table_args__ = (Index("ix_rules_lookup", "version_id", "category_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("taxonomy_versions.id"))
    category_code: Mapped[str] = mapped_column(String(40))
    area_level: Mapped[int] = mapped_column()  # 2 city, 3 district, 4 street, 5 community, 6 the grid's street
    unit_type: Mapped[str] = mapped_column(String(40), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    appeal_type: Mapped[str] = mapped_column(String(20), default="")  # empty = any
    sign_limit: Mapped[float] = mapped_column(default=1)
    sign_unit: Mapped[str] = mapped_column(String(4), default="wd")
    handle_limit: Mapped[float] = mapped_column(default=10)
    handle_unit: Mapped[str] = mapped_column(String(4), default="wd")
    default_grade: Mapped[str] = mapped_column(String(8), default="C")
    disputed: Mapped[bool] = mapped_column(default=False)


class Case(TimestampMixin, Base):
    """One appeal or city event (工单)."""

    __tablename__ = "cases"
    __table_args__ = (
        # Pattern operators: the area rule is a prefix match (LIKE '330103%'), a range only with these (PostgreSQL).
        Index("ix_cases_scope_state", "division_code", "state",
              postgresql_ops={"division_code": "varchar_pattern_ops"}),
        Index("ix_cases_unit_state", "unit_id", "state"),
        Index("ix_cases_state_deadline", "state", "deadline"),
        Index("ix_cases_updated_at", "updated_at"),  # the KPI rollups' catch-up reads what changed since its last run
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lookup_code: Mapped[str] = mapped_column(String(12))
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(80), index=True)
    source_system: Mapped[str] = mapped_column(String(40), default="")
    channel: Mapped[str] = mapped_column(String(16))
    appeal_type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(String(255), info=ENCRYPTED)
    reporter_phone: Mapped[str | None] = mapped_column(String(255), info=ENCRYPTED)
    reporter_id_number: Mapped[str | None] = mapped_column(String(255), info=ENCRYPTED)
    reporter_phone_index: Mapped[str | None] = mapped_column(String(32), index=True,
                                                            info=blind_index_of("reporter_phone"))
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    lng: Mapped[float | None] = mapped_column()
    lat: Mapped[float | None] = mapped_column()
    division_code: Mapped[str] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(16), index=True)
    category_code: Mapped[str | None] = mapped_column(String(40), index=True)
    taxonomy_version_id: Mapped[int | None] = mapped_column(ForeignKey("taxonomy_versions.id"))
    grade: Mapped[str] = mapped_column(String(8), default="C")
    escalation_level: Mapped[int] = mapped_column(default=0)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    state: Mapped[str] = mapped_column(String(20), index=True)
    sign_limit: Mapped[float] = mapped_column(default=1)
    sign_unit: Mapped[str] = mapped_column(String(4), default="wd")
    handle_limit: Mapped[float] = mapped_column(default=10)
    handle_unit: Mapped[str] = mapped_column(String(4), default="wd")
    received_at: Mapped[datetime] = mapped_column(index=True)
    dispatch_deadline: Mapped[datetime] = mapped_column()
    dispatched_at: Mapped[datetime | None] = mapped_column()
    sign_deadline: Mapped[datetime | None] = mapped_column()
    signed_at: Mapped[datetime | None] = mapped_column()
    deadline: Mapped[datetime | None] = mapped_column(index=True)
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    verified_at: Mapped[datetime | None] = mapped_column()
    revisited_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    suspended_at: Mapped[datetime | None] = mapped_column()
    reply: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    pending_extension: Mapped[float | None] = mapped_column()
    extension_count: Mapped[int] = mapped_column(default=0)
    urge_count: Mapped[int] = mapped_column(default=0)
    auto_urge_count: Mapped[int] = mapped_column(default=0)
    reopen_count: Mapped[int] = mapped_column(default=0)
    reassign_count: Mapped[int] = mapped_column(default=0)
    card: Mapped[str] = mapped_column(String(8), default="none")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    suggestions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())  # no erasure while held
    search_grams: Mapped[str | None] = mapped_column(Text, deferred=True)  # cases.fulltext: bigram terms of the text
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy reads a plain dict

    @property
    def number(self) -> str:
        """Human case number: local receipt date + id (derived, so intake needs no extra UPDATE)."""
        return case_number(self.received_at, self.id)


def case_number(received_at: datetime, case_id: int) -> str:
    """`YYYYMMDD` (Shanghai) followed by the id padded to 8 digits."""
    return f"{to_local(received_at):%Y%m%d}{case_id:08d}"


def parse_case_number(number: str) -> int | None:
    """The id inside a case number, or None when it is not one."""
    number = number.strip()
    if len(number) < 16 or not number.isdigit():
        return None
    case_id = int(number[8:])
    return case_id if case_id <= MAX_ID else None


class CaseEvent(Base):
    """One immutable step in a case's history."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(80))
    actor_kind: Mapped[str] = mapped_column(String(12), default="user")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class HolidayOverride(Base):
    """Admin-set working day (True) or day off (False) that beats the national calendar."""

    __tablename__ = "holiday_overrides"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(String(120), default="")


class CaseFile(Base):
    """An uploaded file held by a case or one of its steps: the index of the attachment access check."""

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)  # not unique: a later step may attach it again
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))


FILES_PREFIX = "/files/"


def file_names(attachments: Any) -> list[str]:
    """Names of the uploaded files (served under /files/) among a list of attachments."""
    urls = {str(a.get("url", "")) for a in attachments or [] if isinstance(a, dict)}
    return sorted(u.removeprefix(FILES_PREFIX) for u in urls if u.startswith(FILES_PREFIX))


def _index_files(case_id: int, attachments: Any, connection: Connection) -> None:
    rows = [{"name": name[:80], "case_id": case_id} for name in file_names(attachments)]
    if rows:
        connection.execute(insert(CaseFile), rows)


# Whatever stores a case or a step (intake, workflow, import), the files it holds are indexed in the same transaction.
event.listen(Case, "after_insert", lambda _m, conn, case: _index_files(case.id, case.attachments, conn))
event.listen(CaseEvent, "after_insert", lambda _m, conn, step: _index_files(step.case_id, step.data.get("attachments"),
                                                                            conn))
append_only(CaseEvent)
