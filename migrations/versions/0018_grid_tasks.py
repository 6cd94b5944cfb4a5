"""grid tasks (核查/排查/宣传) over patrol points

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the task tables."""
    op.create_table("grid_tasks",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=120), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("division_code", sa.String(length=12), nullable=False),
    sa.Column("created_by", sa.Integer(), nullable=True),
    sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_grid_tasks_created_by_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_tasks"))
    )
    op.create_index(op.f("ix_grid_tasks_division_code"), "grid_tasks", ["division_code"], unique=False)

    op.create_table("grid_task_points",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("task_id", sa.Integer(), nullable=False),
    sa.Column("point_id", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(["point_id"], ["patrol_points.id"],
                            name=op.f("fk_grid_task_points_point_id_patrol_points")),
    sa.ForeignKeyConstraint(["task_id"], ["grid_tasks.id"], name=op.f("fk_grid_task_points_task_id_grid_tasks")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_task_points")),
    sa.UniqueConstraint("task_id", "point_id", name="uq_grid_task_points_task_id_point_id")
    )
    op.create_index(op.f("ix_grid_task_points_point_id"), "grid_task_points", ["point_id"], unique=False)
    op.create_index(op.f("ix_grid_task_points_task_id"), "grid_task_points", ["task_id"], unique=False)



def downgrade() -> None:
    """Drop the task tables."""
    op.drop_index(op.f("ix_grid_task_points_task_id"), table_name="grid_task_points")
    op.drop_index(op.f("ix_grid_task_points_point_id"), table_name="grid_task_points")

    op.drop_table("grid_task_points")
    op.drop_index(op.f("ix_grid_tasks_division_code"), table_name="grid_tasks")

    op.drop_table("grid_tasks")
