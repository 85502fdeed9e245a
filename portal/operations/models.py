from __future__ import annotations

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db


class ProcessBeat(db.Model):
    """A background process's last sign of life: the scheduler's last tick, a worker's heartbeat.

    One row per (kind, process): every web process reads them, so the operations page shows
    the same state whichever process serves it.
    """

    __tablename__ = "process_beats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # scheduler | worker
    identity: Mapped[str] = mapped_column(String(200))  # host:pid
    started_at = mapped_column(UTCDateTime, nullable=False)
    beat_at = mapped_column(UTCDateTime, nullable=False)

    # The page lists the newest beats first and the forgetting deletes the oldest: both by beat_at.
    __table_args__ = (UniqueConstraint("kind", "identity"), Index("ix_process_beats_beat_at", "beat_at"))


class OperatorAction(db.Model):
    """What a manager did to the background work (retry, discard, re-send), by whom and when.

    Stored as a code and its parameters, read in the reader's language.
    """

    __tablename__ = "operator_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON)
    count: Mapped[int] = mapped_column(Integer, default=1)
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    at = mapped_column(UTCDateTime, nullable=False)

    # The page's log of repairs is read newest first, ties by id.
    __table_args__ = (Index("ix_operator_actions_at_id", "at", "id"),)
