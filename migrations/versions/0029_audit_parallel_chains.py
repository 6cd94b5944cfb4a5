"""Audit log in parallel chains: each entry says which chain links it (existing entries are chain 0)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 06:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add audit_entries.chain without rebuilding the table (its append-only triggers must stay)."""
    op.add_column("audit_entries", sa.Column("chain", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Only possible while a single chain was used; the column is dropped."""
    op.drop_column("audit_entries", "chain")  # native: a rebuild would drop the append-only triggers
