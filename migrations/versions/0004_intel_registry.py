"""intel registry: model versions (one active per kind) and append-only learnt labels

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cityloop.kit.db
from cityloop.kit.migration_ops import append_only

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("training_sha256", sa.String(length=64), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("training", sa.JSON(), nullable=False),
        sa.Column("n_train", sa.Integer(), nullable=False),
        sa.Column("created_at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_model_versions")),
    )
    op.create_index("uq_intel_model_versions_active_kind", "intel_model_versions", ["kind"], unique=True,
                    sqlite_where=sa.text("is_active"), postgresql_where=sa.text("is_active"))
    op.create_table(
        "intel_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=80), nullable=False),
        sa.Column("at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_intel_labels_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_labels")),
    )
    op.create_index("ix_intel_labels_kind_case", "intel_labels", ["kind", "case_id"], unique=False)
    append_only("intel_labels")




def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS intel_labels_append_only() CASCADE")
    op.drop_index("ix_intel_labels_kind_case", table_name="intel_labels")
    op.drop_table("intel_labels")
    op.drop_index("uq_intel_model_versions_active_kind", table_name="intel_model_versions")
    op.drop_table("intel_model_versions")
