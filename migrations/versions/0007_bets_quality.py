"""bets and quality: betting books and bets; quality cases, causes, settings, finished orders

Revision ID: 0007_bets_quality
Revises: 0006_billing
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = '0007_bets_quality'
down_revision = '0006_billing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bet_books',
    sa.Column('order_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('opened_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('closed_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('settled_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('pool_cents', sa.Integer(), nullable=False),
    sa.Column('house_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('open', 'closed', 'settled')", name=op.f('ck_bet_books_known_state')),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_bet_books'))
    )
    op.create_table('bets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('stake_cents', sa.Integer(), nullable=False),
    sa.Column('placed_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('payout_cents', sa.Integer(), nullable=True),
    sa.CheckConstraint("outcome IN ('completed', 'cancelled', 'failed')", name=op.f('ck_bets_known_outcome')),
    sa.CheckConstraint('stake_cents > 0', name=op.f('ck_bets_stake_positive')),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_bets_manager_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['bet_books.order_id'], name=op.f('fk_bets_order_id_bet_books')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bets')),
    sa.UniqueConstraint('order_id', 'manager_id', name=op.f('uq_bets_order_id_manager_id'))
    )
    with op.batch_alter_table('bets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bets_manager_id'), ['manager_id'], unique=False)

    op.create_table('qc_causes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qc_causes')),
    sa.UniqueConstraint('name', name=op.f('uq_qc_causes_name'))
    )
    op.create_table('qc_finished_orders',
    sa.Column('order_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('service_type', sa.String(length=40), nullable=False),
    sa.Column('finished_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('sampled_at', portal.db.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_qc_finished_orders'))
    )
    with op.batch_alter_table('qc_finished_orders', schema=None) as batch_op:
        batch_op.create_index('ix_qc_finished_orders_unsampled', ['outcome', 'sampled_at'], unique=False)

    op.create_table('qc_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sampling_percent', sa.Integer(), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('sampling_percent BETWEEN 0 AND 100', name=op.f('ck_qc_settings_percent_range')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_qc_settings_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qc_settings'))
    )
    op.create_table('qc_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('worker_id', sa.Integer(), nullable=True),
    sa.Column('service_type', sa.String(length=40), nullable=False),
    sa.Column('complaint', sa.Text(), nullable=False),
    sa.Column('opened_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('client_contacted', sa.Boolean(), nullable=True),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('cause_id', sa.Integer(), nullable=True),
    sa.Column('hypothesis', sa.Text(), nullable=False),
    sa.Column('worker_at_fault', sa.Boolean(), nullable=True),
    sa.Column('closed_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason IN ('cancelled', 'failed', 'problem', 'random', 'sampled')", name=op.f('ck_qc_cases_known_reason')),
    sa.CheckConstraint("state IN ('open', 'closed')", name=op.f('ck_qc_cases_known_state')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_qc_cases_assignee_id_users')),
    sa.ForeignKeyConstraint(['cause_id'], ['qc_causes.id'], name=op.f('fk_qc_cases_cause_id_qc_causes')),
    sa.ForeignKeyConstraint(['client_id'], ['users.id'], name=op.f('fk_qc_cases_client_id_users')),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_qc_cases_closed_by_users')),
    sa.ForeignKeyConstraint(['worker_id'], ['users.id'], name=op.f('fk_qc_cases_worker_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qc_cases')),
    sa.UniqueConstraint('order_id', 'reason', name=op.f('uq_qc_cases_order_id_reason'))
    )
    with op.batch_alter_table('qc_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qc_cases_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_qc_cases_state_opened', ['state', 'opened_at'], unique=False)
        batch_op.create_index('ix_qc_cases_worker', ['worker_id', 'opened_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('qc_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_qc_cases_worker')
        batch_op.drop_index('ix_qc_cases_state_opened')
        batch_op.drop_index(batch_op.f('ix_qc_cases_order_id'))
    op.drop_table('qc_cases')
    op.drop_table('qc_settings')
    with op.batch_alter_table('qc_finished_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_qc_finished_orders_unsampled')
    op.drop_table('qc_finished_orders')
    op.drop_table('qc_causes')
    with op.batch_alter_table('bets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bets_manager_id'))
    op.drop_table('bets')
    op.drop_table('bet_books')
