"""grids: unit grids, grid workers, grid change history (+ PostGIS shapes when available)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cityloop.kit.db
from cityloop.kit.migration_ops import append_only

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

APPEND_ONLY = ["grid_changes"]


def upgrade() -> None:
    op.create_table('grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('division_code', sa.String(length=12), nullable=False),
    sa.Column('parent_code', sa.String(length=16), nullable=True),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('min_lng', sa.Float(), nullable=False),
    sa.Column('min_lat', sa.Float(), nullable=False),
    sa.Column('max_lng', sa.Float(), nullable=False),
    sa.Column('max_lat', sa.Float(), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('valid_from', cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_to', cityloop.kit.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grids')),
    sa.UniqueConstraint('code', name=op.f('uq_grids_code'))
    )
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grids_division_code'), ['division_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_grids_status'), ['status'], unique=False)

    op.create_table('grid_workers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_code', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['grid_code'], ['grids.code'], name=op.f('fk_grid_workers_grid_code_grids')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grid_workers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_workers')),
    sa.UniqueConstraint('grid_code', 'user_id', name='uq_grid_workers_grid_code_user_id')
    )
    with op.batch_alter_table('grid_workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_workers_grid_code'), ['grid_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_workers_user_id'), ['user_id'], unique=False)

    op.create_table('grid_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('from_codes', sa.JSON(), nullable=False),
    sa.Column('to_codes', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('at', cityloop.kit.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_changes'))
    )
    with op.batch_alter_table('grid_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_changes_at'), ['at'], unique=False)

    _append_only_triggers()
    _postgis_shapes()


def _append_only_triggers() -> None:
    """History tables refuse UPDATE and DELETE at the database level."""
    for table in APPEND_ONLY:
        append_only(table)


def _postgis_schema(bind: sa.engine.Connection) -> str | None:
    """Schema of the installed postgis extension, installing it into `public` when the server offers it."""
    find = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                   "WHERE e.extname = 'postgis'")
    schema = bind.execute(find).scalar()
    if schema:
        return str(schema)
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).scalar():
        return None
    try:
        # A savepoint keeps the migration alive when we lack the privilege or another process races us.
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public"))
    except sa.exc.DBAPIError:
        pass
    schema = bind.execute(find).scalar()
    return str(schema) if schema else None


def _postgis_shapes() -> None:
    """On PostgreSQL with PostGIS: a GiST-indexed shadow table of grid geometries kept in sync by a trigger.

    The table is invisible to the ORM (SQLite has no counterpart); `grid_index.postgis_lookup` uses it.
    """
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    gis = _postgis_schema(bind)
    if gis is None:
        return
    op.execute(f"""CREATE TABLE grid_shapes (
        grid_id integer PRIMARY KEY REFERENCES grids(id) ON DELETE CASCADE,
        geom "{gis}".geometry(MultiPolygon, 4326) NOT NULL)""")
    op.execute("CREATE INDEX ix_grid_shapes_geom ON grid_shapes USING gist (geom)")
    op.execute(f"""CREATE OR REPLACE FUNCTION grid_shapes_sync() RETURNS trigger AS $$
        BEGIN
          INSERT INTO grid_shapes (grid_id, geom)
          VALUES (NEW.id, "{gis}".ST_Multi("{gis}".ST_SetSRID("{gis}".ST_GeomFromGeoJSON(NEW.geometry), 4326)))
          ON CONFLICT (grid_id) DO UPDATE SET geom = EXCLUDED.geom;
          RETURN NULL;
        END; $$ LANGUAGE plpgsql""")
    op.execute("CREATE TRIGGER grids_shape_sync AFTER INSERT OR UPDATE OF geometry ON grids "
               "FOR EACH ROW EXECUTE FUNCTION grid_shapes_sync()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS grids_shape_sync ON grids")
        op.execute("DROP FUNCTION IF EXISTS grid_shapes_sync()")
        op.execute("DROP TABLE IF EXISTS grid_shapes")
        op.execute("DROP TRIGGER IF EXISTS grid_changes_no_change ON grid_changes")
        op.execute("DROP FUNCTION IF EXISTS grid_changes_append_only()")
    with op.batch_alter_table('grid_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_changes_at'))

    op.drop_table('grid_changes')
    with op.batch_alter_table('grid_workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_workers_user_id'))
        batch_op.drop_index(batch_op.f('ix_grid_workers_grid_code'))

    op.drop_table('grid_workers')
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grids_status'))
        batch_op.drop_index(batch_op.f('ix_grids_division_code'))

    op.drop_table('grids')
