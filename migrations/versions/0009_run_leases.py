"""run leases: the execution that owns a job run, and until when its lease holds

Revision ID: 0009_run_leases
Revises: 0008_accounts
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0009_run_leases'
down_revision = '0008_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('lease_until', portal.db.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_job_runs_state_lease_until', ['state', 'lease_until'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_state_lease_until')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('owner')
