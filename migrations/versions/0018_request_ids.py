"""outbox events keep the request id of the action that published them, so the sweep's
re-sends and the jobs they cause still log under it

Revision ID: 0018_request_ids
Revises: 0017_operations
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018_request_ids'
down_revision = '0017_operations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('outbox_events', sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox_events') as batch:
        batch.drop_column('request_id')
