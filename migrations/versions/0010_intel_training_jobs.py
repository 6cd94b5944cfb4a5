"""intel: training jobs (one queued or running per kind) and model versions' activation time

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cityloop.kit.db

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

_PENDING = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    """Create intel_training_jobs; add intel_model_versions.activated_at."""
    op.create_table(
        "intel_training_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_training_jobs")),
    )
    op.create_index("uq_intel_training_jobs_pending_kind", "intel_training_jobs", ["kind"], unique=True,
                    sqlite_where=_PENDING, postgresql_where=_PENDING)
    op.create_index("ix_intel_training_jobs_state", "intel_training_jobs", ["state", "id"], unique=False)
    with op.batch_alter_table("intel_model_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activated_at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=True))
    # The version active today was activated at some point; its creation time is the best estimate.
    op.execute("UPDATE intel_model_versions SET activated_at = created_at WHERE is_active")


def downgrade() -> None:
    """Drop the jobs table and the activation time."""
    with op.batch_alter_table("intel_model_versions", schema=None) as batch_op:
        batch_op.drop_column("activated_at")
    op.drop_index("ix_intel_training_jobs_state", table_name="intel_training_jobs")
    op.drop_index("uq_intel_training_jobs_pending_kind", table_name="intel_training_jobs")
    op.drop_table("intel_training_jobs")
