"""idempotency claims with request fingerprints; system values (secret key check, key rotation progress)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cityloop.kit.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create idempotency_keys (backfilled from cases' keys, without fingerprints) and system_values."""
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_idempotency_keys_case_id_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )
    # Keys used before fingerprints replay as before, whatever body comes with them.
    op.execute("INSERT INTO idempotency_keys (key, fingerprint, case_id) "
               "SELECT idempotency_key, NULL, id FROM cases WHERE idempotency_key IS NOT NULL")
    op.create_table(
        "system_values",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_system_values")),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("system_values")
    op.drop_table("idempotency_keys")
