"""KPI rollups: counts per local day × date kind × division × unit × category × channel × state, with the catch-up's
marks and watermark; cases get an index on updated_at for the catch-up

Revision ID: 0026
Revises: 0022
Create Date: 2026-12-04 05:30:52.705098
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

revision = "0026"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the rollup tables and the index the catch-up reads by."""
    op.create_table('case_rollup_marks',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.String(length=10), nullable=True),
    sa.Column('deadline', sa.String(length=10), nullable=True),
    sa.Column('completed_at', sa.String(length=10), nullable=True),
    sa.Column('closed_at', sa.String(length=10), nullable=True),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_rollup_marks'))
    )
    op.create_table('case_rollups',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('dated_by', sa.String(length=16), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('t_received', sa.Integer(), nullable=False),
    sa.Column('t_dispatched', sa.Integer(), nullable=False),
    sa.Column('t_dispatched_in_time', sa.Integer(), nullable=False),
    sa.Column('t_signed_on_time', sa.Integer(), nullable=False),
    sa.Column('t_reassigned', sa.Integer(), nullable=False),
    sa.Column('t_due', sa.Integer(), nullable=False),
    sa.Column('t_due_completed', sa.Integer(), nullable=False),
    sa.Column('t_due_on_time', sa.Integer(), nullable=False),
    sa.Column('t_completed', sa.Integer(), nullable=False),
    sa.Column('t_revisited', sa.Integer(), nullable=False),
    sa.Column('t_satisfied', sa.Integer(), nullable=False),
    sa.Column('t_redone', sa.Integer(), nullable=False),
    sa.Column('t_closed', sa.Integer(), nullable=False),
    sa.Column('t_first_time', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'dated_by', 'division_code', 'unit_id', 'category_code', 'channel', 'state',
                            name=op.f('pk_case_rollups'))
    )
    op.create_table('rollup_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('watermark', UTCDateTime(timezone=True), nullable=True),
    sa.Column('refreshed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('full_built', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollup_state'))
    )
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_cases_updated_at", table_name="cases")
    op.drop_table('rollup_state')
    op.drop_table('case_rollups')
    op.drop_table('case_rollup_marks')
