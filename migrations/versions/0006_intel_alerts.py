"""intel alerts: early-warning alerts with a state and their append-only events

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cityloop.kit.db
from cityloop.kit.migration_ops import append_only

revision = "0006"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("division_code", sa.String(length=12), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=True),
        sa.Column("grid_code", sa.String(length=16), nullable=True),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("created_at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_intel_alerts_unit_id_units")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_intel_alerts_assignee_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_alerts")),
        sa.UniqueConstraint("kind", "day", "key", name="uq_intel_alerts_kind_day_key"),
    )
    op.create_index("ix_intel_alerts_day", "intel_alerts", ["day"], unique=False)
    op.create_index("ix_intel_alerts_scope_state", "intel_alerts", ["division_code", "state"], unique=False)
    op.create_table(
        "intel_alert_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=80), nullable=False),
        sa.Column("at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["intel_alerts.id"],
                                name=op.f("fk_intel_alert_events_alert_id_intel_alerts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_alert_events")),
    )
    op.create_index("ix_intel_alert_events_alert_id", "intel_alert_events", ["alert_id"], unique=False)
    append_only("intel_alert_events")




def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS intel_alert_events_append_only() CASCADE")
    op.drop_index("ix_intel_alert_events_alert_id", table_name="intel_alert_events")
    op.drop_table("intel_alert_events")
    op.drop_index("ix_intel_alerts_scope_state", table_name="intel_alerts")
    op.drop_index("ix_intel_alerts_day", table_name="intel_alerts")
    op.drop_table("intel_alerts")
