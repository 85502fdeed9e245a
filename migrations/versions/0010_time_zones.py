"""time zones: each account may choose its own IANA zone (none: the portal's); a pending
sign-up keeps the browser's zone until its link is followed

Revision ID: 0010_time_zones
Revises: 0009_run_leases
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_time_zones'
down_revision = '0009_run_leases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
    with op.batch_alter_table('pending_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pending_registrations', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
