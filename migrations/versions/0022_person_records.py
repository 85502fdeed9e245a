"""people's records: a worker's kit pick-ups are read newest first on their page

Revision ID: 0022_person_records
Revises: 0021_disputes
"""
from __future__ import annotations

from alembic import op

revision = '0022_person_records'
down_revision = '0021_disputes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_warehouse_kits_worker_issued", "warehouse_kits", ["worker_id", "state", "issued_at"])


def downgrade() -> None:
    op.drop_index("ix_warehouse_kits_worker_issued", table_name="warehouse_kits")
