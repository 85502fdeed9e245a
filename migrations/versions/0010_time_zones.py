"""time zones: each account may choose its own IANA zone (none: the portal's)

Revision ID: 0010
Revises: 0007_bets_quality
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0007_bets_quality'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
