"""merge the hardening branches (idempotency keys, training jobs, place names, audit areas and case files)

Revision ID: 0015
Revises: 0009, 0010, 0011, 0014
Create Date: 2026-12-03
"""
from __future__ import annotations

revision = "0015"
down_revision = ("0009", "0010", "0011", "0014")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to do: the branches touch different tables."""


def downgrade() -> None:
    """Nothing to do."""
