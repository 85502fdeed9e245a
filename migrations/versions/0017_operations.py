"""operations: process heartbeats (the scheduler's tick, the workers') and the operators' action log

Revision ID: 0017_operations
Revises: 0016_list_indexes
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = "0017_operations"
down_revision = "0016_list_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_beats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("identity", sa.String(length=200), nullable=False),
        sa.Column("started_at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("beat_at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_beats")),
        sa.UniqueConstraint("kind", "identity", name=op.f("uq_process_beats_kind_identity")),
    )
    op.create_index("ix_process_beats_kind_beat_at", "process_beats", ["kind", "beat_at"], unique=False)
    op.create_table(
        "operator_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_actions")),
    )
    op.create_index(op.f("ix_operator_actions_at"), "operator_actions", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_operator_actions_at"), table_name="operator_actions")
    op.drop_table("operator_actions")
    op.drop_index("ix_process_beats_kind_beat_at", table_name="process_beats")
    op.drop_table("process_beats")
