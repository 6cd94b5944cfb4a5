"""免申即享: the enterprise registry, policies with their criteria, and match results

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the registry, policy and match tables."""
    op.create_table("policies",
    sa.Column("id", sa.String(length=60), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("object", sa.String(length=20), nullable=False),
    sa.Column("no_application", sa.Boolean(), nullable=False),
    sa.Column("criteria", sa.JSON(), nullable=False),
    sa.Column("is_active", sa.Boolean(), nullable=False),
    sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_policies"))
    )
    op.create_table("policy_enterprises",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("uscc", sa.String(length=18), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("industry", sa.String(length=60), nullable=False),
    sa.Column("scale", sa.String(length=20), nullable=False),
    sa.Column("registered_year", sa.Integer(), nullable=False),
    sa.Column("division_code", sa.String(length=12), nullable=False),
    sa.Column("employees", sa.Integer(), nullable=False),
    sa.Column("revenue", sa.Float(), nullable=False),
    sa.Column("tax_credit", sa.String(length=10), nullable=False),
    sa.Column("high_tech", sa.Boolean(), nullable=False),
    sa.Column("rnd_ratio", sa.Float(), nullable=False),
    sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_enterprises")),
    sa.UniqueConstraint("uscc", name=op.f("uq_policy_enterprises_uscc"))
    )
    op.create_index(op.f("ix_policy_enterprises_division_code"), "policy_enterprises", ["division_code"], unique=False)

    op.create_table("policy_matches",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("policy_id", sa.String(length=60), nullable=False),
    sa.Column("subject_id", sa.String(length=40), nullable=False),
    sa.Column("status", sa.String(length=12), nullable=False),
    sa.Column("passed", sa.JSON(), nullable=False),
    sa.Column("failed", sa.JSON(), nullable=False),
    sa.Column("values", sa.JSON(), nullable=False),
    sa.Column("matched_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["policy_id"], ["policies.id"], name=op.f("fk_policy_matches_policy_id_policies")),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_matches"))
    )
    op.create_index("ix_policy_matches_policy_id_status", "policy_matches", ["policy_id", "status"], unique=False)
    op.create_index(op.f("ix_policy_matches_subject_id"), "policy_matches", ["subject_id"], unique=False)



def downgrade() -> None:
    """Drop them."""
    op.drop_index(op.f("ix_policy_matches_subject_id"), table_name="policy_matches")
    op.drop_index("ix_policy_matches_policy_id_status", table_name="policy_matches")

    op.drop_table("policy_matches")
    op.drop_index(op.f("ix_policy_enterprises_division_code"), table_name="policy_enterprises")

    op.drop_table("policy_enterprises")
    op.drop_table("policies")
