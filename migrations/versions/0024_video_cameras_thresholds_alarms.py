"""video: camera registry, per-camera thresholds, alarm episodes (one open per camera and class)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 05:35:54.433088
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cityloop.kit.db import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the video tables."""
    op.create_table('video_cameras',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('grid_code', sa.String(length=16), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_video_cameras')),
    sa.UniqueConstraint('camera_id', name=op.f('uq_video_cameras_camera_id'))
    )
    op.create_index(op.f('ix_video_cameras_division_code'), 'video_cameras', ['division_code'], unique=False)
    op.create_table('video_alarms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('event_class', sa.String(length=40), nullable=False),
    sa.Column('open_key', sa.String(length=120), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('peak_confidence', sa.Float(), nullable=False),
    sa.Column('first_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_noted_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_snapshot_url', sa.String(length=500), nullable=False),
    sa.Column('false_alarm_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['camera_id'], ['video_cameras.id'], name=op.f('fk_video_alarms_camera_id_video_cameras')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_video_alarms')),
    sa.UniqueConstraint('open_key', name=op.f('uq_video_alarms_open_key'))
    )
    op.create_index(op.f('ix_video_alarms_camera_id'), 'video_alarms', ['camera_id'], unique=False)
    op.create_index(op.f('ix_video_alarms_case_id'), 'video_alarms', ['case_id'], unique=False)
    op.create_table('video_thresholds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=False),
    sa.Column('event_class', sa.String(length=40), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('false_alarms', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['camera_id'], ['video_cameras.id'],
                            name=op.f('fk_video_thresholds_camera_id_video_cameras')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_video_thresholds')),
    sa.UniqueConstraint('camera_id', 'event_class', name='uq_video_thresholds_camera_id_event_class')
    )


def downgrade() -> None:
    """Drop the video tables."""
    op.drop_table('video_thresholds')
    op.drop_index(op.f('ix_video_alarms_case_id'), table_name='video_alarms')
    op.drop_index(op.f('ix_video_alarms_camera_id'), table_name='video_alarms')
    op.drop_table('video_alarms')
    op.drop_index(op.f('ix_video_cameras_division_code'), table_name='video_cameras')
    op.drop_table('video_cameras')
