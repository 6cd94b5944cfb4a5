"""IoT: sensors (device × metric), readings, threshold alarms (one open per sensor)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the IoT tables."""
    op.create_table("iot_sensors",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("device_id", sa.String(length=64), nullable=False),
    sa.Column("kind", sa.String(length=40), nullable=False),
    sa.Column("metric", sa.String(length=40), nullable=False),
    sa.Column("unit", sa.String(length=20), nullable=False),
    sa.Column("threshold_high", sa.Float(), nullable=True),
    sa.Column("threshold_low", sa.Float(), nullable=True),
    sa.Column("hysteresis", sa.Float(), nullable=False),
    sa.Column("lng", sa.Float(), nullable=False),
    sa.Column("lat", sa.Float(), nullable=False),
    sa.Column("division_code", sa.String(length=12), nullable=False),
    sa.Column("grid_code", sa.String(length=16), nullable=True),
    sa.Column("last_value", sa.Float(), nullable=True),
    sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=True),
    sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_sensors")),
    sa.UniqueConstraint("device_id", "metric", name="uq_iot_sensors_device_id_metric")
    )
    op.create_index(op.f("ix_iot_sensors_device_id"), "iot_sensors", ["device_id"], unique=False)

    op.create_table("iot_alarms",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("sensor_id", sa.Integer(), nullable=False),
    sa.Column("open_key", sa.Integer(), nullable=True),
    sa.Column("case_id", sa.Integer(), nullable=True),
    sa.Column("breaches", sa.Integer(), nullable=False),
    sa.Column("opened_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("last_breach_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("last_noted_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("peak", sa.Float(), nullable=False),
    sa.Column("recovered_at", UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(["sensor_id"], ["iot_sensors.id"], name=op.f("fk_iot_alarms_sensor_id_iot_sensors")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_alarms")),
    sa.UniqueConstraint("open_key", name=op.f("uq_iot_alarms_open_key"))
    )
    op.create_index(op.f("ix_iot_alarms_sensor_id"), "iot_alarms", ["sensor_id"], unique=False)

    op.create_table("iot_readings",
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    sa.Column("sensor_id", sa.Integer(), nullable=False),
    sa.Column("value", sa.Float(), nullable=False),
    sa.Column("ts", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["sensor_id"], ["iot_sensors.id"], name=op.f("fk_iot_readings_sensor_id_iot_sensors")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_readings"))
    )
    op.create_index("ix_iot_readings_sensor_id_ts", "iot_readings", ["sensor_id", "ts"], unique=False)



def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_iot_readings_sensor_id_ts", table_name="iot_readings")

    op.drop_table("iot_readings")
    op.drop_index(op.f("ix_iot_alarms_sensor_id"), table_name="iot_alarms")

    op.drop_table("iot_alarms")
    op.drop_index(op.f("ix_iot_sensors_device_id"), table_name="iot_sensors")

    op.drop_table("iot_sensors")
