from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db


class JobRun(db.Model):
    """One run of a long or periodic job, keyed by its period; a page reads it for progress."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    # e.g. "2026-W48" or "2026-11-25": a second run of the same period is refused by
    # the unique constraint, so a repeated or late scheduler never doubles work.
    period_key: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(20), default="queued")  # queued running done failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    started_at = mapped_column(UTCDateTime, nullable=True)
    finished_at = mapped_column(UTCDateTime, nullable=True)
    # The execution working on it (a token of its own) and until when that claim holds: a
    # run whose lease ran out (its message lost, its process dead) is dispatched again.
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("kind", "period_key"),
        Index("ix_job_runs_state_lease_until", "state", "lease_until"),
    )

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")
