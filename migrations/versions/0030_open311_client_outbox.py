"""Open311 client: a unit's external GeoReport v2 system, and the outbox of cases sent to it

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 06:19:47.526323
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the endpoint and delivery tables."""
    op.create_table('open311_endpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('base_url', sa.String(length=300), nullable=False),
    sa.Column('api_key', sa.String(length=255), nullable=False),
    sa.Column('jurisdiction_id', sa.String(length=80), nullable=False),
    sa.Column('service_code', sa.String(length=80), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_open311_endpoints_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_endpoints')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_open311_endpoints_unit_id'))
    )
    op.create_table('open311_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('remote_id', sa.String(length=80), nullable=True),
    sa.Column('remote_status', sa.String(length=40), nullable=False),
    sa.Column('remote_notes', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_open311_deliveries_case_id_cases')),
    sa.ForeignKeyConstraint(['endpoint_id'], ['open311_endpoints.id'],
                            name=op.f('fk_open311_deliveries_endpoint_id_open311_endpoints')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open311_deliveries'))
    )
    with op.batch_alter_table('open311_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_deliveries_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_open311_deliveries_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_open311_deliveries_state'), ['state'], unique=False)



def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table('open311_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_deliveries_state'))
        batch_op.drop_index(batch_op.f('ix_open311_deliveries_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_open311_deliveries_case_id'))

    op.drop_table('open311_deliveries')
    op.drop_table('open311_endpoints')
