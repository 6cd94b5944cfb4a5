"""placement: local names learned from confirmed cases (place_names)

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cityloop.kit.db

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create place_names."""
    op.create_table(
        "place_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("division_code", sa.String(length=12), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("learned_at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_names")),
        sa.UniqueConstraint("name", "division_code", name=op.f("uq_place_names_name")),
    )
    op.create_index(op.f("ix_place_names_name"), "place_names", ["name"], unique=False)
    op.create_index(op.f("ix_place_names_division_code"), "place_names", ["division_code"], unique=False)


def downgrade() -> None:
    """Drop place_names."""
    op.drop_index(op.f("ix_place_names_division_code"), table_name="place_names")
    op.drop_index(op.f("ix_place_names_name"), table_name="place_names")
    op.drop_table("place_names")
