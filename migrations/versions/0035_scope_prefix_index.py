"""Cases: the area index answers prefix matches (division_code LIKE '330103%') on PostgreSQL

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-04 12:20:00

Outside the C collation PostgreSQL cannot use a plain btree for LIKE 'prefix%': every district dispatcher's queue
scanned the whole index (a million entries at 10 M cases). `varchar_pattern_ops` lets the prefix be a range.
"""
from __future__ import annotations

from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Rebuild the area index with pattern operators (PostgreSQL; SQLite keeps its index)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_cases_scope_state", table_name="cases")
    op.create_index("ix_cases_scope_state", "cases", ["division_code", "state"],
                    postgresql_ops={"division_code": "varchar_pattern_ops"})


def downgrade() -> None:
    """Back to the plain index."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_cases_scope_state", table_name="cases")
    op.create_index("ix_cases_scope_state", "cases", ["division_code", "state"])
