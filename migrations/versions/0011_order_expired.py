"""orders: the final state 'expired' (no worker was found before the start)

Revision ID: 0011_order_expired
Revises: 0013_photo_fingerprints
"""
from alembic import op


revision = '0011_order_expired'
down_revision = '0013_photo_fingerprints'
branch_labels = None
depends_on = None

WITH_EXPIRED = "state IN ('awaiting_worker', 'assigned', 'in_progress', 'completed', 'cancelled', 'failed', 'expired')"
WITHOUT_EXPIRED = "state IN ('awaiting_worker', 'assigned', 'in_progress', 'completed', 'cancelled', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_orders_known_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_orders_known_state'), WITH_EXPIRED)


def downgrade() -> None:
    # An expired order had no worker and no charge: it reads as cancelled by nobody.
    op.execute("UPDATE orders SET state = 'cancelled' WHERE state = 'expired'")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_orders_known_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_orders_known_state'), WITHOUT_EXPIRED)
