"""services (一网通办): item catalogue, applications and events, evaluations, bundles, places

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 02:01:35.278607
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime
from cityloop.kit.migration_ops import append_only

# Follows the grid work, policy and IoT revisions (0017–0021) on the one line of migrations.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the catalogue and application tables; application events are append-only."""
    op.create_table('service_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('basic_code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('item_type', sa.String(length=20), nullable=False),
    sa.Column('service_object', sa.String(length=10), nullable=False),
    sa.Column('unit_name', sa.String(length=120), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('legal_days', sa.Integer(), nullable=False),
    sa.Column('promised_days', sa.Integer(), nullable=False),
    sa.Column('fees', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    sa.Column('guide', sa.JSON(), nullable=False),
    sa.Column('popularity', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_items')),
    sa.UniqueConstraint('code', 'version', name='uq_service_items_code_version')
    )
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_items_basic_code'), ['basic_code'], unique=False)
        batch_op.create_index('ix_service_items_code_active', ['code', 'is_active'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_items_division_code'), ['division_code'], unique=False)

    op.create_table('service_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('item_version', sa.Integer(), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('applicant_name', sa.String(length=80), nullable=False),
    sa.Column('applicant_phone', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('bundle_code', sa.String(length=40), nullable=True),
    sa.Column('bundle_ref', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('received_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline', UTCDateTime(timezone=True), nullable=False),
    sa.Column('suspended_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.Text(), nullable=False),
    sa.Column('concluded_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_service_applications_applicant_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['service_items.id'],
                            name=op.f('fk_service_applications_item_id_service_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_applications'))
    )
    with op.batch_alter_table('service_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_applications_bundle_code'), ['bundle_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_applications_division_code'), ['division_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_applications_item_code'), ['item_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_applications_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_applications_state'), ['state'], unique=False)

    op.create_table('service_application_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_service_application_events_actor_id_users')),
    sa.ForeignKeyConstraint(['application_id'], ['service_applications.id'],
                            name=op.f('fk_service_application_events_application_id_service_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_application_events'))
    )
    with op.batch_alter_table('service_application_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_application_events_application_id'), ['application_id'],
                              unique=False)
    append_only("service_application_events")
    op.create_table('service_evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_service_evaluations_applicant_id_users')),
    sa.ForeignKeyConstraint(['application_id'], ['service_applications.id'],
                            name=op.f('fk_service_evaluations_application_id_service_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_evaluations')),
    sa.UniqueConstraint('application_id', name=op.f('uq_service_evaluations_application_id'))
    )
    with op.batch_alter_table('service_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_evaluations_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_evaluations_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_evaluations_division_code'), ['division_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_evaluations_item_code'), ['item_code'], unique=False)
    append_only("service_evaluations")
    op.create_table('service_bundles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('item_codes', sa.JSON(), nullable=False),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_bundles')),
    sa.UniqueConstraint('code', name=op.f('uq_service_bundles_code'))
    )
    op.create_table('service_synonyms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phrase', sa.String(length=40), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_synonyms')),
    sa.UniqueConstraint('phrase', name=op.f('uq_service_synonyms_phrase'))
    )
    op.create_table('service_places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('hours', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('windows', sa.JSON(), nullable=False),
    sa.Column('item_codes', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_places')),
    sa.UniqueConstraint('code', name=op.f('uq_service_places_code'))
    )
    with op.batch_alter_table('service_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_places_division_code'), ['division_code'], unique=False)


def downgrade() -> None:
    """Drop the services tables."""
    op.drop_table('service_places')
    op.drop_table('service_synonyms')
    op.drop_table('service_bundles')
    op.drop_table('service_evaluations')
    with op.batch_alter_table('service_application_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_application_events_application_id'))

    op.drop_table('service_application_events')
    with op.batch_alter_table('service_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_applications_state'))
        batch_op.drop_index(batch_op.f('ix_service_applications_item_id'))
        batch_op.drop_index(batch_op.f('ix_service_applications_item_code'))
        batch_op.drop_index(batch_op.f('ix_service_applications_division_code'))
        batch_op.drop_index(batch_op.f('ix_service_applications_applicant_id'))

    op.drop_table('service_applications')
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_items_division_code'))
        batch_op.drop_index('ix_service_items_code_active')
        batch_op.drop_index(batch_op.f('ix_service_items_basic_code'))

    op.drop_table('service_items')
