"""disputes: a quality case of reason 'dispute' names the statement line (its ledger entry) a
client or a worker disputed, and the decision; a correction is a new line (a worker's
correction, a client's credit with no order), never an edit

Revision ID: 0021_disputes
Revises: 0020_matching_replay
"""
import sqlalchemy as sa
from alembic import op

revision = '0021_disputes'
down_revision = '0020_matching_replay'
branch_labels = None
depends_on = None

WITH_DISPUTE = "reason IN ('cancelled', 'failed', 'problem', 'random', 'sampled', 'dispute')"
WITHOUT_DISPUTE = "reason IN ('cancelled', 'failed', 'problem', 'random', 'sampled')"
NOT_A_DISPUTE = sa.text("reason <> 'dispute'")
OPEN = sa.text("state = 'open'")


def upgrade() -> None:
    with op.batch_alter_table('qc_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('line_kind', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('line_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('disputed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('correction_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('correction_key', sa.String(length=120), nullable=True))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('client_id', existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint(op.f('uq_qc_cases_order_id_reason'), type_='unique')
        batch_op.drop_constraint(op.f('ck_qc_cases_known_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_qc_cases_known_reason'), WITH_DISPUTE)
        batch_op.create_check_constraint(op.f('ck_qc_cases_known_outcome'),
                                         "outcome IS NULL OR outcome IN ('confirmed', 'corrected')")
        batch_op.create_foreign_key(op.f('fk_qc_cases_entry_key_ledger_entries'), 'ledger_entries',
                                    ['entry_key'], ['key'])
        batch_op.create_foreign_key(op.f('fk_qc_cases_disputed_by_users'), 'users', ['disputed_by'], ['id'])
        batch_op.create_index('uq_qc_cases_order_reason', ['order_id', 'reason'], unique=True,
                              sqlite_where=NOT_A_DISPUTE, postgresql_where=NOT_A_DISPUTE)
        batch_op.create_index('uq_qc_cases_open_dispute', ['entry_key'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index('ix_qc_cases_disputed_by', ['disputed_by', 'opened_at'], unique=False)

    with op.batch_alter_table('client_charges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), server_default='', nullable=False))
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Credits have no order and disputes no place in the older schema: they go with it.
    op.execute("DELETE FROM client_charges WHERE order_id IS NULL")
    op.execute("DELETE FROM qc_cases WHERE reason = 'dispute'")
    with op.batch_alter_table('client_charges', schema=None) as batch_op:
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('note')

    with op.batch_alter_table('qc_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_qc_cases_disputed_by')
        batch_op.drop_index('uq_qc_cases_open_dispute')
        batch_op.drop_index('uq_qc_cases_order_reason')
        batch_op.drop_constraint(op.f('fk_qc_cases_disputed_by_users'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_qc_cases_entry_key_ledger_entries'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_qc_cases_known_outcome'), type_='check')
        batch_op.drop_constraint(op.f('ck_qc_cases_known_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_qc_cases_known_reason'), WITHOUT_DISPUTE)
        batch_op.create_unique_constraint(op.f('uq_qc_cases_order_id_reason'), ['order_id', 'reason'])
        batch_op.alter_column('client_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('order_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('correction_key')
        batch_op.drop_column('correction_cents')
        batch_op.drop_column('outcome')
        batch_op.drop_column('disputed_by')
        batch_op.drop_column('line_cents')
        batch_op.drop_column('line_kind')
        batch_op.drop_column('entry_key')
