"""Periodic jobs: one claimed run per job and time slot across every app node

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-04 08:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the job run table."""
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=60), nullable=False),
    sa.Column('slot', sa.BigInteger(), nullable=False),
    sa.Column('node', sa.String(length=120), nullable=False),
    sa.Column('started_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('job', 'slot', name=op.f('uq_job_runs_job')),
    )
    op.create_index('ix_job_runs_started_at', 'job_runs', ['started_at'], unique=False)


def downgrade() -> None:
    """Drop the job run table."""
    op.drop_index('ix_job_runs_started_at', table_name='job_runs')
    op.drop_table('job_runs')
