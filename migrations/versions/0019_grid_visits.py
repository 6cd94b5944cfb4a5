"""grid visits (走访): append-only records of visits to households and firms

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime
from cityloop.kit.migration_ops import append_only

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the visits table (append-only)."""
    op.create_table("grid_visits",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("plan", sa.String(length=30), nullable=False),
    sa.Column("element_kind", sa.String(length=20), nullable=False),
    sa.Column("element_code", sa.String(length=40), nullable=False),
    sa.Column("grid_code", sa.String(length=16), nullable=True),
    sa.Column("user_id", sa.Integer(), nullable=False),
    sa.Column("at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("result", sa.String(length=10), nullable=False),
    sa.Column("finding", sa.Text(), nullable=False),
    sa.Column("case_id", sa.Integer(), nullable=True),
    sa.Column("idempotency_key", sa.String(length=100), nullable=True),
    sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_grid_visits_user_id_users")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_visits")),
    sa.UniqueConstraint("user_id", "idempotency_key", name="uq_grid_visits_user_id_idempotency_key")
    )
    op.create_index("ix_grid_visits_element_code_at", "grid_visits", ["element_code", "at"], unique=False)
    op.create_index(op.f("ix_grid_visits_grid_code"), "grid_visits", ["grid_code"], unique=False)
    op.create_index(op.f("ix_grid_visits_user_id"), "grid_visits", ["user_id"], unique=False)

    append_only("grid_visits")


def downgrade() -> None:
    """Drop the visits table."""
    op.drop_index(op.f("ix_grid_visits_user_id"), table_name="grid_visits")
    op.drop_index(op.f("ix_grid_visits_grid_code"), table_name="grid_visits")
    op.drop_index("ix_grid_visits_element_code_at", table_name="grid_visits")

    op.drop_table("grid_visits")
