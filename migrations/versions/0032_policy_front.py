"""Policy front: account links to registry subjects, subject contact phones, 政策找人 notices

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 07:58:58.933011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the link, contact and notice tables."""
    op.create_table('policy_subject_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=255), nullable=True),
    sa.Column('phone_index', sa.String(length=32), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_subject_contacts')),
    sa.UniqueConstraint('subject_kind', 'subject_id', name='uq_policy_subject_contacts_subject')
    )
    with op.batch_alter_table('policy_subject_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_subject_contacts_phone_index'), ['phone_index'], unique=False)

    op.create_table('policy_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('policy_id', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('failed', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('sms_queued', sa.Boolean(), nullable=False),
    sa.Column('notified_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], name=op.f('fk_policy_notices_policy_id_policies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_notices')),
    sa.UniqueConstraint('subject_kind', 'subject_id', 'policy_id', 'status', name='uq_policy_notices_once')
    )
    with op.batch_alter_table('policy_notices', schema=None) as batch_op:
        batch_op.create_index('ix_policy_notices_policy_id_status', ['policy_id', 'status'], unique=False)
        batch_op.create_index('ix_policy_notices_subject', ['subject_kind', 'subject_id', 'read_at'], unique=False)

    op.create_table('policy_subject_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_policy_subject_links_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_subject_links')),
    sa.UniqueConstraint('user_id', name='uq_policy_subject_links_user_id')
    )
    with op.batch_alter_table('policy_subject_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_subject_links_subject_id'), ['subject_id'], unique=False)



def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table('policy_subject_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_subject_links_subject_id'))

    op.drop_table('policy_subject_links')
    with op.batch_alter_table('policy_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_policy_notices_subject')
        batch_op.drop_index('ix_policy_notices_policy_id_status')

    op.drop_table('policy_notices')
    with op.batch_alter_table('policy_subject_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_subject_contacts_phone_index'))

    op.drop_table('policy_subject_contacts')
