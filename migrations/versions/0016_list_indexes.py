"""list indexes: every list page's sort order and filters are served by an index, so a page
reads its 25 rows (and counts at most a capped window) instead of sorting or counting the table

Revision ID: 0016_list_indexes
Revises: 0012_note_codes
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_list_indexes'
down_revision = '0012_note_codes'
branch_labels = None
depends_on = None

UNPAID = "state <> 'paid' AND last_failure IS NOT NULL"

# (index, table, columns, partial condition)
INDEXES = [
    ('ix_orders_starts_id', 'orders', ['starts_at', 'id'], None),
    ('ix_orders_service_starts', 'orders', ['service_type_id', 'starts_at'], None),
    ('ix_users_created_id', 'users', ['created_at', 'id'], None),
    ('ix_emails_state_id', 'emails', ['state', 'id'], None),
    ('ix_applications_created_id', 'applications', ['created_at', 'id'], None),
    ('ix_applications_service_created', 'applications', ['service_type_id', 'created_at'], None),
    ('ix_bet_books_state_settled', 'bet_books', ['state', 'settled_at', 'order_id'], None),
    ('ix_qc_cases_state_closed', 'qc_cases', ['state', 'closed_at'], None),
    ('ix_invoices_unpaid', 'invoices', ['state', 'week_key', 'id'], UNPAID),
]


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        partial = {} if where is None else {'postgresql_where': sa.text(where), 'sqlite_where': sa.text(where)}
        op.create_index(name, table, columns, unique=False, **partial)


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
