"""submission keys: a booking or a bonus form sent twice (a double click, two tabs) acts once

Revision ID: 0024_submission_keys
Revises: 0023_operations_indexes
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_submission_keys"
down_revision = "0023_operations_indexes"
branch_labels = None
depends_on = None

TABLES = ("orders", "worker_lines")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("submission_key", sa.String(length=40), nullable=True))
        op.create_index(f"uq_{table}_submission_key", table, ["submission_key"], unique=True)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"uq_{table}_submission_key", table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("submission_key")
