"""orders: service types, orders, their timeline, photos, feedback and workers' records

Revision ID: 0002_orders
Revises: 0001_platform
Create Date: 2026-11-25 12:46:01.164822
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0002_orders'
down_revision = '0001_platform'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('service_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('name_ru', sa.String(length=120), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('description_ru', sa.Text(), nullable=False),
    sa.Column('base_price_cents', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('base_price_cents >= 0', name=op.f('ck_service_types_price_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_types')),
    sa.UniqueConstraint('code', name=op.f('uq_service_types_code'))
    )
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('service_type_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('starts_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('ends_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('rebooked_from_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('assigned_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('checked_in_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('finished_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('awaiting_worker', 'assigned', 'in_progress', 'completed', 'cancelled', 'failed')", name=op.f('ck_orders_known_state')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_orders_ends_after_start')),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_orders_client_id_users')),
    sa.ForeignKeyConstraint(['rebooked_from_id'], ['orders.id'], name=op.f('fk_orders_rebooked_from_id_orders')),
    sa.ForeignKeyConstraint(['service_type_id'], ['service_types.id'], name=op.f('fk_orders_service_type_id_service_types')),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_orders_worker_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('rebooked_from_id', name=op.f('uq_orders_rebooked_from_id'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_client_starts', ['client_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_orders_created', ['created_at'], unique=False)
        batch_op.create_index('ix_orders_state_starts', ['state', 'starts_at'], unique=False)
        batch_op.create_index('ix_orders_worker_starts', ['worker_id', 'starts_at'], unique=False)

    op.create_table('order_feedback',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('rating', 'problem')", name=op.f('ck_order_feedback_known_kind')),
    sa.CheckConstraint('stars IS NULL OR (stars BETWEEN 1 AND 5)', name=op.f('ck_order_feedback_stars_1_to_5')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_feedback_order_id_orders')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_order_feedback'))
    )
    op.create_table('order_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_photos_order_id_orders')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_order_photos_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_photos')),
    sa.UniqueConstraint('order_id', 'kind', name=op.f('uq_order_photos_order_id_kind')),
    sa.UniqueConstraint('sha256', name=op.f('uq_order_photos_sha256'))
    )
    op.create_table('order_timeline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_order_timeline_actor_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_timeline_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_timeline'))
    )
    with op.batch_alter_table('order_timeline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_timeline_order_id'), ['order_id'], unique=False)

    op.create_table('worker_records',
    sa.Column('worker_id', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.Column('disputes', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_worker_records_worker_id_users')),
    sa.PrimaryKeyConstraint('worker_id', name=op.f('pk_worker_records'))
    )



def downgrade() -> None:
    op.drop_table('worker_records')
    with op.batch_alter_table('order_timeline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_timeline_order_id'))

    op.drop_table('order_timeline')
    op.drop_table('order_photos')
    op.drop_table('order_feedback')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_worker_starts')
        batch_op.drop_index('ix_orders_state_starts')
        batch_op.drop_index('ix_orders_created')
        batch_op.drop_index('ix_orders_client_starts')

    op.drop_table('orders')
    op.drop_table('service_types')
