"""KPI rollups: the KPI counts per local day × street × unit × category × channel, with the catch-up's marks and
watermark; cases get an index on updated_at for the catch-up

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 05:30:52.705098
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

revision = "0026"
down_revision = "0025"
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
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('dispatched', sa.Integer(), nullable=False),
    sa.Column('dispatched_in_time', sa.Integer(), nullable=False),
    sa.Column('signed_on_time', sa.Integer(), nullable=False),
    sa.Column('reassigned', sa.Integer(), nullable=False),
    sa.Column('invalid', sa.Integer(), nullable=False),
    sa.Column('merged', sa.Integer(), nullable=False),
    sa.Column('due', sa.Integer(), nullable=False),
    sa.Column('due_completed', sa.Integer(), nullable=False),
    sa.Column('due_completed_on_time', sa.Integer(), nullable=False),
    sa.Column('due_open', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('revisited', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('redone', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('first_time_resolved', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'division_code', 'unit_id', 'category_code', 'channel',
                            name=op.f('pk_case_rollups'))
    )
    op.create_table('case_area_rollups',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('dispatched', sa.Integer(), nullable=False),
    sa.Column('dispatched_in_time', sa.Integer(), nullable=False),
    sa.Column('signed_on_time', sa.Integer(), nullable=False),
    sa.Column('reassigned', sa.Integer(), nullable=False),
    sa.Column('invalid', sa.Integer(), nullable=False),
    sa.Column('merged', sa.Integer(), nullable=False),
    sa.Column('due', sa.Integer(), nullable=False),
    sa.Column('due_completed', sa.Integer(), nullable=False),
    sa.Column('due_completed_on_time', sa.Integer(), nullable=False),
    sa.Column('due_open', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('revisited', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('redone', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('first_time_resolved', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'division_code', 'unit_id', name=op.f('pk_case_area_rollups'))
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
    op.drop_table('case_area_rollups')
    op.drop_table('case_rollup_marks')
