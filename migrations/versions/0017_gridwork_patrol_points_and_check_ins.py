"""gridwork: patrol points, their workers, and append-only check-ins

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime
from cityloop.kit.migration_ops import append_only

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the patrol tables; check-ins are history, so they are append-only."""
    op.create_table("patrol_points",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("code", sa.String(length=40), nullable=False),
    sa.Column("name", sa.String(length=120), nullable=False),
    sa.Column("lng", sa.Float(), nullable=False),
    sa.Column("lat", sa.Float(), nullable=False),
    sa.Column("division_code", sa.String(length=12), nullable=False),
    sa.Column("grid_code", sa.String(length=16), nullable=True),
    sa.Column("element_code", sa.String(length=40), nullable=True),
    sa.Column("cycle_days", sa.Integer(), nullable=False),
    sa.Column("is_active", sa.Boolean(), nullable=False),
    sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_points")),
    sa.UniqueConstraint("code", name=op.f("uq_patrol_points_code"))
    )
    op.create_index(op.f("ix_patrol_points_division_code"), "patrol_points", ["division_code"], unique=False)
    op.create_index(op.f("ix_patrol_points_grid_code"), "patrol_points", ["grid_code"], unique=False)

    op.create_table("patrol_checkins",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("point_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("lng", sa.Float(), nullable=False),
    sa.Column("lat", sa.Float(), nullable=False),
    sa.Column("accuracy_m", sa.Float(), nullable=True),
    sa.Column("distance_m", sa.Float(), nullable=False),
    sa.Column("method", sa.String(length=10), nullable=False),
    sa.Column("result", sa.String(length=10), nullable=False),
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("case_id", sa.Integer(), nullable=True),
    sa.Column("idempotency_key", sa.String(length=100), nullable=True),
    sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["point_id"], ["patrol_points.id"], name=op.f("fk_patrol_checkins_point_id_patrol_points")),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_patrol_checkins_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_checkins")),
    sa.UniqueConstraint("user_id", "idempotency_key", name="uq_patrol_checkins_user_id_idempotency_key")
    )
    op.create_index(op.f("ix_patrol_checkins_case_id"), "patrol_checkins", ["case_id"], unique=False)
    op.create_index("ix_patrol_checkins_point_id_at", "patrol_checkins", ["point_id", "at"], unique=False)
    op.create_index(op.f("ix_patrol_checkins_user_id"), "patrol_checkins", ["user_id"], unique=False)

    append_only("patrol_checkins")
    op.create_table("patrol_point_workers",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("point_id", sa.Integer(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("assigned_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["point_id"], ["patrol_points.id"],
                            name=op.f("fk_patrol_point_workers_point_id_patrol_points")),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_patrol_point_workers_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_point_workers")),
    sa.UniqueConstraint("point_id", "user_id", name="uq_patrol_point_workers_point_id_user_id")
    )
    op.create_index(op.f("ix_patrol_point_workers_point_id"), "patrol_point_workers", ["point_id"], unique=False)
    op.create_index(op.f("ix_patrol_point_workers_user_id"), "patrol_point_workers", ["user_id"], unique=False)



def downgrade() -> None:
    """Drop the patrol tables."""
    op.drop_index(op.f("ix_patrol_point_workers_user_id"), table_name="patrol_point_workers")
    op.drop_index(op.f("ix_patrol_point_workers_point_id"), table_name="patrol_point_workers")

    op.drop_table("patrol_point_workers")
    op.drop_index(op.f("ix_patrol_checkins_user_id"), table_name="patrol_checkins")
    op.drop_index("ix_patrol_checkins_point_id_at", table_name="patrol_checkins")
    op.drop_index(op.f("ix_patrol_checkins_case_id"), table_name="patrol_checkins")

    op.drop_table("patrol_checkins")
    op.drop_index(op.f("ix_patrol_points_grid_code"), table_name="patrol_points")
    op.drop_index(op.f("ix_patrol_points_division_code"), table_name="patrol_points")

    op.drop_table("patrol_points")
