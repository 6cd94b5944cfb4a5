"""Sensors (one row per device and metric), their readings, and threshold alarms (one open per sensor)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin


class Sensor(TimestampMixin, Base):
    """A device's metric with its thresholds and place."""

    __tablename__ = "iot_sensors"
    __table_args__ = (UniqueConstraint("device_id", "metric", name="uq_iot_sensors_device_id_metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    metric: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(20), default="")
    threshold_high: Mapped[float | None] = mapped_column()
    threshold_low: Mapped[float | None] = mapped_column()
    hysteresis: Mapped[float] = mapped_column(default=0.0)
    lng: Mapped[float] = mapped_column()
    lat: Mapped[float] = mapped_column()
    division_code: Mapped[str] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(16))
    last_value: Mapped[float | None] = mapped_column()
    last_seen_at: Mapped[datetime | None] = mapped_column()
    # Minutes without a reading before the device counts as offline; empty: the `iot_offline_minutes` setting.
    offline_minutes: Mapped[int | None] = mapped_column()


class Reading(Base):
    """One reading as received (kept for the retention period)."""

    __tablename__ = "iot_readings"
    __table_args__ = (Index("ix_iot_readings_sensor_id_ts", "sensor_id", "ts"),)

    # SQLite only auto-increments INTEGER keys; PostgreSQL needs 64 bits for years of readings.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("iot_sensors.id"))
    value: Mapped[float] = mapped_column()
    ts: Mapped[datetime] = mapped_column()


class HourlyReading(Base):
    """Readings of one sensor and hour rolled up once the raw ones pass the retention period."""

    __tablename__ = "iot_readings_hourly"
    __table_args__ = (UniqueConstraint("sensor_id", "hour", name="uq_iot_readings_hourly_sensor_id_hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("iot_sensors.id"))
    hour: Mapped[datetime] = mapped_column()
    count: Mapped[int] = mapped_column()
    min: Mapped[float] = mapped_column()
    max: Mapped[float] = mapped_column()
    avg: Mapped[float] = mapped_column()


class Alarm(Base):
    """A breach or offline episode and its case; one open per sensor and kind.

    A threshold alarm holds `open_key` (the sensor id) while open; an offline alarm concerns the whole device and
    holds `offline_key` (the device id) while open. Both keys are unique, so a second open alarm cannot exist.
    """

    __tablename__ = "iot_alarms"
    __table_args__ = (Index("ix_iot_alarms_offline_key", "offline_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("iot_sensors.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="threshold", server_default="threshold")
    open_key: Mapped[int | None] = mapped_column(unique=True)
    offline_key: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column()
    breaches: Mapped[int] = mapped_column(default=1)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_breach_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_noted_at: Mapped[datetime] = mapped_column(default=utcnow)
    peak: Mapped[float] = mapped_column()
    recovered_at: Mapped[datetime | None] = mapped_column()
