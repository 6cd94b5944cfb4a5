"""audit log: the areas each entry concerns (scopes the log per district); case_files: uploads held by cases

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-03
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from cityloop.kit.migration_ops import append_only

revision = "0014"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create audit_areas and case_files, and fill them from the existing entries, cases and steps."""
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
    _case_files()


def _case_files() -> None:
    op.create_table(
        "case_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_files_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_files")),
    )
    op.create_index(op.f("ix_case_files_name"), "case_files", ["name"], unique=False)
    # Index the uploads existing cases and steps already hold (only rows whose JSON mentions /files/ are read).
    bind = op.get_bind()
    cases = sa.table("cases", sa.column("id", sa.Integer()), sa.column("attachments", sa.JSON()))
    steps = sa.table("case_events", sa.column("case_id", sa.Integer()), sa.column("data", sa.JSON()))
    files = sa.table("case_files", sa.column("name", sa.String()), sa.column("case_id", sa.Integer()))
    held = bind.execute(sa.select(cases.c.id, cases.c.attachments)
                        .where(sa.cast(cases.c.attachments, sa.Text()).like("%/files/%"))).fetchall()
    held += [(case_id, (data or {}).get("attachments"))
             for case_id, data in bind.execute(sa.select(steps.c.case_id, steps.c.data)
                                               .where(sa.cast(steps.c.data, sa.Text()).like("%/files/%")))]
    rows = [{"name": name, "case_id": case_id} for case_id, attachments in held for name in _names(attachments)]
    for start in range(0, len(rows), 5000):
        bind.execute(sa.insert(files), rows[start:start + 5000])


def _names(attachments: Any) -> list[str]:
    """The /files/ names among a list of attachments (as cases.models.file_names did at revision 0014)."""
    urls = {str(a.get("url", "")) for a in attachments or [] if isinstance(a, dict)}
    return sorted(u.removeprefix("/files/")[:80] for u in urls if u.startswith("/files/"))


def downgrade() -> None:
    """Drop case_files and audit_areas."""
    op.drop_index(op.f("ix_case_files_name"), table_name="case_files")
    op.drop_table("case_files")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_areas_append_only() CASCADE")
    op.drop_index(op.f("ix_audit_areas_division_code"), table_name="audit_areas")
    op.drop_table("audit_areas")
