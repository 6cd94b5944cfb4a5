"""notify: outbox, append-only delivery log, templates (seeded from the channel's data file), opt-outs

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 05:35:54.433088
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

import cityloop.channels.notify
from cityloop.kit.db import UTCDateTime
from cityloop.kit.migration_ops import append_only

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the notify tables; the delivery log is append-only; the templates get their seed texts."""
    templates = op.create_table('notify_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_templates')),
    sa.UniqueConstraint('kind', 'lang', name='uq_notify_templates_kind_lang')
    )
    op.create_table('notify_opt_outs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=255), nullable=True),
    sa.Column('phone_index', sa.String(length=32), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notify_opt_outs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_opt_outs')),
    sa.UniqueConstraint('phone_index', name=op.f('uq_notify_opt_outs_phone_index')),
    sa.UniqueConstraint('user_id', name=op.f('uq_notify_opt_outs_user_id'))
    )
    op.create_table('notify_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=255), nullable=True),
    sa.Column('recipient_index', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notify_outbox_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_outbox'))
    )
    op.create_index(op.f('ix_notify_outbox_case_id'), 'notify_outbox', ['case_id'], unique=False)
    op.create_index(op.f('ix_notify_outbox_division_code'), 'notify_outbox', ['division_code'], unique=False)
    op.create_index(op.f('ix_notify_outbox_recipient_index'), 'notify_outbox', ['recipient_index'], unique=False)
    op.create_index('ix_notify_outbox_status_next_attempt_at', 'notify_outbox', ['status', 'next_attempt_at'],
                    unique=False)
    op.create_table('notify_delivery_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('gateway', sa.String(length=20), nullable=False),
    sa.Column('recipient_masked', sa.String(length=255), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['notify_outbox.id'],
                            name=op.f('fk_notify_delivery_log_outbox_id_notify_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_delivery_log'))
    )
    op.create_index(op.f('ix_notify_delivery_log_outbox_id'), 'notify_delivery_log', ['outbox_id'], unique=False)
    append_only("notify_delivery_log")
    _seed(templates)


def _seed(templates: sa.Table | None) -> None:
    # The texts as the channel ships them today; later edits are the administrators' (PUT /api/v1/notify/templates).
    assert templates is not None
    seed = yaml.safe_load((Path(cityloop.channels.notify.__file__).parent / "data" / "templates.yaml")
                          .read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    op.bulk_insert(templates, [{"kind": kind, "lang": lang, "text": spec[lang], "updated_by": "seed",
                                "created_at": now, "updated_at": now}
                               for kind, spec in seed.items() for lang in ("zh", "en")])


def downgrade() -> None:
    """Drop the notify tables."""
    op.drop_table('notify_delivery_log')
    op.drop_index('ix_notify_outbox_status_next_attempt_at', table_name='notify_outbox')
    op.drop_index(op.f('ix_notify_outbox_recipient_index'), table_name='notify_outbox')
    op.drop_index(op.f('ix_notify_outbox_division_code'), table_name='notify_outbox')
    op.drop_index(op.f('ix_notify_outbox_case_id'), table_name='notify_outbox')
    op.drop_table('notify_outbox')
    op.drop_table('notify_opt_outs')
    op.drop_table('notify_templates')
