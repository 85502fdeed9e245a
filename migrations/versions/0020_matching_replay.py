"""matching replay: past requests replayed through the live pipeline and a draft, with the
kept report (drafts themselves are pipelines under other names: no schema change)

Revision ID: 0020_matching_replay
Revises: 0018_request_ids
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0020_matching_replay'
down_revision = '0018_request_ids'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'matching_replays',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('run_id', sa.Integer(), nullable=True, unique=True),
        sa.Column('draft_id', sa.Integer(), nullable=True),
        sa.Column('draft_name', sa.String(40), nullable=False),
        sa.Column('live_version', sa.Integer(), nullable=False),
        sa.Column('draft_version', sa.Integer(), nullable=False),
        sa.Column('live_steps', sa.JSON(), nullable=False),
        sa.Column('draft_steps', sa.JSON(), nullable=False),
        sa.Column('period_from', portal.db.UTCDateTime(), nullable=False),
        sa.Column('period_to', portal.db.UTCDateTime(), nullable=False),
        sa.Column('started_by', sa.String(200), nullable=False),
        sa.Column('created_at', portal.db.UTCDateTime(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=True),
    )
    op.create_table(
        'matching_replay_results',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('replay_id', sa.Integer(), sa.ForeignKey('matching_replays.id'), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('starts_at', portal.db.UTCDateTime(), nullable=False),
        sa.Column('actual_id', sa.Integer(), nullable=True),
        sa.Column('live_id', sa.Integer(), nullable=True),
        sa.Column('draft_id', sa.Integer(), nullable=True),
        sa.Column('deciding_step', sa.String(60), nullable=True),
        sa.Column('deciding_how', sa.String(20), nullable=True),
        sa.Column('live_failed_before', sa.Boolean(), nullable=False),
        sa.Column('draft_failed_before', sa.Boolean(), nullable=False),
        sa.Column('actual_failed_before', sa.Boolean(), nullable=False),
        sa.UniqueConstraint('replay_id', 'position'),
    )


def downgrade() -> None:
    op.drop_table('matching_replay_results')
    op.drop_table('matching_replays')
