"""operations: index the heartbeats and the repairs log in the order the operations page reads them

The page reads the newest beats (``ORDER BY beat_at DESC``), which the (kind, beat_at) index
could not serve, and the newest repairs by (at, id), which the index on ``at`` alone served
only with a sort on top.

Revision ID: 0023_operations_indexes
Revises: 0022_person_records
"""
from __future__ import annotations

from alembic import op

revision = "0023_operations_indexes"
down_revision = "0022_person_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_process_beats_kind_beat_at", table_name="process_beats")
    op.create_index("ix_process_beats_beat_at", "process_beats", ["beat_at"])
    op.drop_index("ix_operator_actions_at", table_name="operator_actions")
    op.create_index("ix_operator_actions_at_id", "operator_actions", ["at", "id"])


def downgrade() -> None:
    op.drop_index("ix_operator_actions_at_id", table_name="operator_actions")
    op.create_index("ix_operator_actions_at", "operator_actions", ["at"])
    op.drop_index("ix_process_beats_beat_at", table_name="process_beats")
    op.create_index("ix_process_beats_kind_beat_at", "process_beats", ["kind", "beat_at"])
