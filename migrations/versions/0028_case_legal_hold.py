"""Legal hold on cases: while set, retention and erasure leave the reporter's data in place

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 06:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add cases.legal_hold (false for every existing case)."""
    # Native ADD COLUMN: a batch rebuild of cases would trip over the tables that reference it.
    op.add_column("cases", sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Drop it."""
    op.drop_column("cases", "legal_hold")  # native: rebuilding cases would trip over the tables referencing it
