"""Users, units, API keys and login attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin


class Unit(TimestampMixin, Base):
    """A department or area office; `unit_type` links it to the responsibility list."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="department")  # department | area_office | center
    unit_type: Mapped[str] = mapped_column(String(40), index=True, default="")
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    is_active: Mapped[bool] = mapped_column(default=True)


class User(TimestampMixin, Base):
    """A person who logs in; staff carry a unit and an area scope."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    scope_code: Mapped[str] = mapped_column(String(12), default="")
    phone: Mapped[str | None] = mapped_column(String(40))
    is_active: Mapped[bool] = mapped_column(default=True)


class ApiKey(TimestampMixin, Base):
    """A key for a system integration; only its hash is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[Any]] = mapped_column(default=list)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    scope_code: Mapped[str] = mapped_column(String(12), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    last_used_at: Mapped[datetime | None] = mapped_column()


class LoginAttempt(Base):
    """One login attempt; failures within a window throttle further tries."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_user_at", "username", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64), default="")
    success: Mapped[bool] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)
