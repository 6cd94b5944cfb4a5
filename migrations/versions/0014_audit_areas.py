"""audit log: the areas each entry concerns (scopes the log per district)

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.migration_ops import append_only

revision = "0014"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create audit_areas and fill it with the current scope of each earlier entry's user."""
    op.create_table(
        "audit_areas",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("division_code", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["audit_entries.id"], name=op.f("fk_audit_areas_entry_id_audit_entries")),
        sa.PrimaryKeyConstraint("entry_id", "division_code", name=op.f("pk_audit_areas")),
    )
    op.create_index(op.f("ix_audit_areas_division_code"), "audit_areas", ["division_code"], unique=False)
    # Earlier entries recorded no area; their actor's scope is the best evidence left.
    op.execute("INSERT INTO audit_areas (entry_id, division_code) SELECT e.id, u.scope_code FROM audit_entries e "
               "JOIN users u ON u.id = e.actor_id WHERE e.actor_kind = 'user' AND u.scope_code <> ''")
    append_only("audit_areas")


def downgrade() -> None:
    """Drop audit_areas."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_areas_append_only() CASCADE")
    op.drop_index(op.f("ix_audit_areas_division_code"), table_name="audit_areas")
    op.drop_table("audit_areas")
