"""IoT: offline alarms (per-sensor offline minutes, alarm kind and per-device open key) and hourly readings

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

# iot_readings stays an ordinary table (no append-only trigger): compaction deletes raw readings it rolled up.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the offline columns and the hourly table."""
    with op.batch_alter_table("iot_sensors") as batch:
        batch.add_column(sa.Column("offline_minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("iot_alarms") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=20), server_default="threshold", nullable=False))
        batch.add_column(sa.Column("offline_key", sa.String(length=64), nullable=True))
    op.create_index("ix_iot_alarms_offline_key", "iot_alarms", ["offline_key"], unique=True)

    op.create_table("iot_readings_hourly",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("sensor_id", sa.Integer(), nullable=False),
    sa.Column("hour", UTCDateTime(timezone=True), nullable=False),
    sa.Column("count", sa.Integer(), nullable=False),
    sa.Column("min", sa.Float(), nullable=False),
    sa.Column("max", sa.Float(), nullable=False),
    sa.Column("avg", sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(["sensor_id"], ["iot_sensors.id"],
                            name=op.f("fk_iot_readings_hourly_sensor_id_iot_sensors")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_readings_hourly")),
    sa.UniqueConstraint("sensor_id", "hour", name="uq_iot_readings_hourly_sensor_id_hour")
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("iot_readings_hourly")
    op.drop_index("ix_iot_alarms_offline_key", table_name="iot_alarms")
    # Native DROP COLUMN (SQLite ≥ 3.35): a batch rebuild would trip over the tables that reference these.
    op.drop_column("iot_alarms", "offline_key")
    op.drop_column("iot_alarms", "kind")
    op.drop_column("iot_sensors", "offline_minutes")
