"""一网共享: data resources, sharing requests and their history, scoped keys, their usage, export approvals

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-04 08:00:52.530969
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime
from cityloop.kit.migration_ops import append_only

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the sharing tables; the event and usage logs refuse UPDATE and DELETE."""
    op.create_table('share_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=10), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=False),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_events'))
    )
    with op.batch_alter_table('share_events', schema=None) as batch_op:
        batch_op.create_index('ix_share_events_object', ['object_type', 'object_id'], unique=False)

    op.create_table('share_resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('title_en', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('update_frequency', sa.String(length=10), nullable=False),
    sa.Column('sharing_type', sa.String(length=16), nullable=False),
    sa.Column('opening_type', sa.String(length=16), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], name=op.f('fk_share_resources_owner_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_resources')),
    sa.UniqueConstraint('code', name=op.f('uq_share_resources_code'))
    )
    with op.batch_alter_table('share_resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_resources_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('export_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('export', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('single_use', sa.Boolean(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('expires_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approver_id'], ['users.id'], name=op.f('fk_export_approvals_approver_id_users')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_export_approvals_requester_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_approvals'))
    )
    with op.batch_alter_table('export_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_approvals_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_approvals_state'), ['state'], unique=False)

    op.create_table('share_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('consumer_unit_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('masked', sa.Boolean(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('rate_per_minute', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('needs_bureau', sa.Boolean(), nullable=False),
    sa.Column('owner_approver_id', sa.Integer(), nullable=True),
    sa.Column('bureau_approver_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bureau_approver_id'], ['users.id'],
                            name=op.f('fk_share_requests_bureau_approver_id_users')),
    sa.ForeignKeyConstraint(['consumer_unit_id'], ['units.id'], name=op.f('fk_share_requests_consumer_unit_id_units')),
    sa.ForeignKeyConstraint(['owner_approver_id'], ['users.id'],
                            name=op.f('fk_share_requests_owner_approver_id_users')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_share_requests_requester_id_users')),
    sa.ForeignKeyConstraint(['resource_id'], ['share_resources.id'],
                            name=op.f('fk_share_requests_resource_id_share_resources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_requests'))
    )
    with op.batch_alter_table('share_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_requests_consumer_unit_id'), ['consumer_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_requests_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_requests_resource_id'), ['resource_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_requests_state'), ['state'], unique=False)

    op.create_table('share_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('valid_from', UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['share_requests.id'],
                            name=op.f('fk_share_keys_request_id_share_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_share_keys_prefix')),
    sa.UniqueConstraint('request_id', name=op.f('uq_share_keys_request_id'))
    )
    op.create_table('share_usage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('consumer_unit_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consumer_unit_id'], ['units.id'], name=op.f('fk_share_usage_consumer_unit_id_units')),
    sa.ForeignKeyConstraint(['key_id'], ['share_keys.id'], name=op.f('fk_share_usage_key_id_share_keys')),
    sa.ForeignKeyConstraint(['request_id'], ['share_requests.id'],
                            name=op.f('fk_share_usage_request_id_share_requests')),
    sa.ForeignKeyConstraint(['resource_id'], ['share_resources.id'],
                            name=op.f('fk_share_usage_resource_id_share_resources')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_usage'))
    )
    with op.batch_alter_table('share_usage', schema=None) as batch_op:
        batch_op.create_index('ix_share_usage_consumer_unit_id_at', ['consumer_unit_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_usage_key_id'), ['key_id'], unique=False)
        batch_op.create_index('ix_share_usage_resource_id_at', ['resource_id', 'at'], unique=False)

    append_only("share_events")
    append_only("share_usage")


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table('share_usage', schema=None) as batch_op:
        batch_op.drop_index('ix_share_usage_resource_id_at')
        batch_op.drop_index(batch_op.f('ix_share_usage_key_id'))
        batch_op.drop_index('ix_share_usage_consumer_unit_id_at')

    op.drop_table('share_usage')
    op.drop_table('share_keys')
    with op.batch_alter_table('share_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_requests_state'))
        batch_op.drop_index(batch_op.f('ix_share_requests_resource_id'))
        batch_op.drop_index(batch_op.f('ix_share_requests_requester_id'))
        batch_op.drop_index(batch_op.f('ix_share_requests_consumer_unit_id'))

    op.drop_table('share_requests')
    with op.batch_alter_table('export_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_approvals_state'))
        batch_op.drop_index(batch_op.f('ix_export_approvals_requester_id'))

    op.drop_table('export_approvals')
    with op.batch_alter_table('share_resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_resources_owner_unit_id'))

    op.drop_table('share_resources')
    with op.batch_alter_table('share_events', schema=None) as batch_op:
        batch_op.drop_index('ix_share_events_object')

    op.drop_table('share_events')
    if op.get_bind().dialect.name == "postgresql":
        for table in ("share_events", "share_usage"):
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
