"""Policy core: person registry, import runs, policy versions and fields, match kinds, 免申即享 fulfilment tasks

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 08:00:03.975512
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime
from cityloop.kit.migration_ops import append_only

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the new tables; add columns natively (existing rows get defaults)."""
    op.create_table('policy_import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('chunk_size', sa.Integer(), nullable=False),
    sa.Column('chunks_total', sa.Integer(), nullable=False),
    sa.Column('chunks_done', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_import_runs'))
    )
    with op.batch_alter_table('policy_import_runs', schema=None) as batch_op:
        batch_op.create_index('ix_policy_import_runs_kind_sha256', ['kind', 'sha256'], unique=False)

    op.create_table('policy_persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number', sa.String(length=255), nullable=False),
    sa.Column('id_index', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('disability_level', sa.Integer(), nullable=False),
    sa.Column('low_income', sa.Boolean(), nullable=False),
    sa.Column('veteran', sa.Boolean(), nullable=False),
    sa.Column('elderly_alone', sa.Boolean(), nullable=False),
    sa.Column('employment', sa.String(length=20), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('row_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_persons')),
    sa.UniqueConstraint('id_index', name=op.f('uq_policy_persons_id_index'))
    )
    with op.batch_alter_table('policy_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_persons_division_code'), ['division_code'], unique=False)

    op.create_table('policy_fulfilments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.String(length=60), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('amount', sa.Float(), nullable=True),
    sa.Column('stage_due', UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('paid_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_policy_fulfilments_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_fulfilments')),
    sa.UniqueConstraint('policy_id', 'policy_version', 'subject_id', name=op.f('uq_policy_fulfilments_policy_id'))
    )
    with op.batch_alter_table('policy_fulfilments', schema=None) as batch_op:
        batch_op.create_index('ix_policy_fulfilments_division_code_stage', ['division_code', 'stage'], unique=False)
        batch_op.create_index('ix_policy_fulfilments_stage_due', ['stage', 'stage_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_fulfilments_subject_id'), ['subject_id'], unique=False)

    op.create_table('policy_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_policy_versions_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions')),
    sa.UniqueConstraint('policy_id', 'version', name=op.f('uq_policy_versions_policy_id'))
    )
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_versions_policy_id'), ['policy_id'], unique=False)

    op.create_table('policy_fulfilment_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fulfilment_id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_stage', sa.String(length=12), nullable=False),
    sa.Column('to_stage', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_policy_fulfilment_events_actor_id_users')),
    sa.ForeignKeyConstraint(['fulfilment_id'], ['policy_fulfilments.id'],
                            name=op.f('fk_policy_fulfilment_events_fulfilment_id_policy_fulfilments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_fulfilment_events'))
    )
    with op.batch_alter_table('policy_fulfilment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_fulfilment_events_fulfilment_id'), ['fulfilment_id'], unique=False)

    append_only("policy_versions")
    append_only("policy_fulfilment_events")
    op.add_column("policies", sa.Column("issuing_unit", sa.String(length=120), nullable=False, server_default=""))
    op.add_column("policies", sa.Column("legal_url", sa.String(length=500), nullable=False, server_default=""))
    op.add_column("policies", sa.Column("benefit", sa.JSON(), nullable=False, server_default="{}"))
    op.add_column("policies", sa.Column("valid_from", sa.Date(), nullable=True))
    op.add_column("policies", sa.Column("valid_to", sa.Date(), nullable=True))
    op.add_column("policies", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("policy_enterprises", sa.Column("extra", sa.JSON(), nullable=False, server_default="{}"))
    op.add_column("policy_enterprises", sa.Column("row_hash", sa.String(length=64), nullable=True))
    op.add_column("policy_matches", sa.Column("subject_kind", sa.String(length=12), nullable=False,
                                              server_default="enterprise"))
    op.add_column("policy_matches", sa.Column("policy_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    """Drop them."""
    for table, column in (("policy_matches", "policy_version"), ("policy_matches", "subject_kind"),
                          ("policy_enterprises", "row_hash"), ("policy_enterprises", "extra"),
                          ("policies", "version"), ("policies", "valid_to"), ("policies", "valid_from"),
                          ("policies", "benefit"), ("policies", "legal_url"), ("policies", "issuing_unit")):
        op.drop_column(table, column)
    with op.batch_alter_table('policy_fulfilment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_fulfilment_events_fulfilment_id'))

    op.drop_table('policy_fulfilment_events')
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_versions_policy_id'))

    op.drop_table('policy_versions')
    with op.batch_alter_table('policy_fulfilments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_fulfilments_subject_id'))
        batch_op.drop_index('ix_policy_fulfilments_stage_due')
        batch_op.drop_index('ix_policy_fulfilments_division_code_stage')

    op.drop_table('policy_fulfilments')
    with op.batch_alter_table('policy_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_persons_division_code'))

    op.drop_table('policy_persons')
    with op.batch_alter_table('policy_import_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_policy_import_runs_kind_sha256')

    op.drop_table('policy_import_runs')
