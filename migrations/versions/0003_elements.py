"""elements: standard-address table and elements in the grid (buildings, people, entities, components, places)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cityloop.kit.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

ELEMENT_TABLES = ["buildings", "people", "legal_entities", "components", "key_places"]


def _timestamps() -> list[sa.Column]:
    return [sa.Column('created_at', cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
            sa.Column('updated_at', cityloop.kit.db.UTCDateTime(timezone=True), nullable=False)]


def _element_columns(table: str) -> list[sa.SchemaItem]:
    """Columns and constraints of element_models.ElementMixin, named for `table`."""
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=36), nullable=False),
        sa.Column('division_code', sa.String(length=12), nullable=False),
        sa.Column('grid_code', sa.String(length=16), nullable=True),
        sa.Column('lng', sa.Float(), nullable=True),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('address_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=200), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(['address_id'], ['standard_addresses.id'],
                                name=op.f(f'fk_{table}_address_id_standard_addresses')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        sa.UniqueConstraint('code', name=op.f(f'uq_{table}_code')),
    ]


def _index(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def upgrade() -> None:
    op.create_table('standard_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('province', sa.String(length=40), nullable=True),
    sa.Column('city', sa.String(length=40), nullable=True),
    sa.Column('district', sa.String(length=40), nullable=True),
    sa.Column('town', sa.String(length=40), nullable=True),
    sa.Column('community', sa.String(length=40), nullable=True),
    sa.Column('road', sa.String(length=60), nullable=True),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('poi', sa.String(length=80), nullable=True),
    sa.Column('building', sa.String(length=20), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.Column('room', sa.String(length=20), nullable=True),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('grid_code', sa.String(length=16), nullable=True),
    sa.Column('building_code', sa.String(length=36), nullable=True),
    *_timestamps(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_addresses')),
    sa.UniqueConstraint('text', name=op.f('uq_standard_addresses_text'))
    )
    _index('standard_addresses', 'division_code', 'grid_code')

    op.create_table('buildings',
    *_element_columns('buildings'),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('floors', sa.Integer(), nullable=True),
    sa.Column('use', sa.String(length=20), nullable=False)
    )
    op.create_table('people',
    *_element_columns('people'),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=255), nullable=True),
    sa.Column('id_number', sa.String(length=255), nullable=True),
    sa.Column('id_number_index', sa.String(length=32), nullable=True),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('household_no', sa.String(length=40), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.UniqueConstraint('id_number_index', name=op.f('uq_people_id_number_index'))
    )
    op.create_table('legal_entities',
    *_element_columns('legal_entities'),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('entity_type', sa.String(length=20), nullable=False),
    sa.UniqueConstraint('credit_code', name=op.f('uq_legal_entities_credit_code'))
    )
    op.create_table('components',
    *_element_columns('components'),
    sa.Column('element_class', sa.Integer(), nullable=False),
    sa.Column('subtype', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False)
    )
    op.create_table('key_places',
    *_element_columns('key_places'),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False)
    )
    for table in ELEMENT_TABLES:
        _index(table, 'division_code', 'grid_code')
    _index('components', 'element_class')


def downgrade() -> None:
    # Dropping a table drops its indexes on both backends.
    for table in reversed(ELEMENT_TABLES):
        op.drop_table(table)
    op.drop_table('standard_addresses')
