"""Builders for the live-intelligence tests: cases filed on past days through the real intake."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from builders import STREET, World, file_case
from cityloop.kit import clock
from cityloop.kit.clock import LOCAL_TZ

SPIKE_DAY = date(2024, 5, 15)  # a Wednesday


def at(day: date, hour: int = 10) -> datetime:
    """A local hour of a day, as aware UTC."""
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)


_serial = iter(range(1, 10_000))


def file_on(db: Session, w: World, day: date, division: str = STREET, category: str = "010201",
            **overrides: Any) -> int:
    """File a case with the clock frozen on `day`; a fresh caller and address unless given."""
    n = next(_serial)
    clock.freeze(at(day, 9 + n % 8))
    data: dict[str, Any] = {"reporter": {"name": "李四", "phone": f"139{n:08d}"},
                            "location": {"address": f"某路{n}号", "division_code": division},
                            "category_code": category, "title": "垃圾清运不及时", "content": "垃圾堆积多日无人清运"}
    case = file_case(db, w.subjects["agent"], **{**data, **overrides})
    db.commit()
    return case.id


def seed_spike(db: Session, w: World, division: str = STREET, spike: int = 8) -> list[int]:
    """A quiet history (one case every fourth day for eight weeks), then `spike` cases on SPIKE_DAY."""
    for back in range(4, 57, 4):
        file_on(db, w, SPIKE_DAY - timedelta(days=back), division)
    return [file_on(db, w, SPIKE_DAY, division) for _ in range(spike)]
