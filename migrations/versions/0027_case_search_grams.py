"""Chinese full-text search: cases.search_grams (bigram terms of title and content), filled for existing cases,
with a GIN index over its tsvector on PostgreSQL

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 05:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.cases.fulltext.grams import grams
from cityloop.cases.fulltext.index import pg_index_sql

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None
BATCH = 5000


def upgrade() -> None:
    """Add the column, fill it in batches, index it."""
    op.add_column("cases", sa.Column("search_grams", sa.Text(), nullable=True))  # native, as in 0028
    conn, after = op.get_bind(), 0
    while True:
        rows = conn.execute(sa.text("SELECT id, title, content FROM cases WHERE id > :a ORDER BY id LIMIT :n"),
                            {"a": after, "n": BATCH}).all()
        if not rows:
            break
        conn.execute(sa.text("UPDATE cases SET search_grams = :g WHERE id = :i"),
                     [{"g": grams(f"{title} {content}"), "i": case_id} for case_id, title, content in rows])
        after = rows[-1][0]
    if conn.dialect.name == "postgresql":
        for statement in pg_index_sql():
            conn.execute(statement)


def downgrade() -> None:
    """Drop the index and the column."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_cases_search_grams")
    op.drop_column("cases", "search_grams")  # native: rebuilding cases would trip over the tables referencing it
