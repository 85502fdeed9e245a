"""The matching context's tables: the pipeline managers edit, and every match's explanation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db


class Pipeline(db.Model):
    """The pipeline matching runs. One named "default" today; created with the default steps
    on first use (so a fresh or emptied database always matches sensibly)."""

    __tablename__ = "matching_pipelines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    # Bumped by every edit: explanations say which version chose, and an editor page
    # showing an older version is refused instead of moving the wrong step.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at = mapped_column(UTCDateTime, nullable=False)

    # SQLAlchemy checks the version in every UPDATE of this row, so two edits racing on
    # SQLite (no row locks there) cannot both apply.
    __mapper_args__ = {"version_id_col": version}

    steps: Mapped[list["PipelineStep"]] = relationship(
        back_populates="pipeline", order_by="(PipelineStep.position, PipelineStep.id)",
        cascade="all, delete-orphan", lazy="raise",
    )


class PipelineStep(db.Model):
    """One registered step in a pipeline, with its place, switch, weight and parameters."""

    __tablename__ = "matching_pipeline_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("matching_pipelines.id"), index=True)
    step: Mapped[str] = mapped_column(String(60))  # a name in the step registry
    position: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)  # scorers only
    # Only the parameters a manager changed; the step's defaults fill in the rest.
    params: Mapped[dict] = mapped_column(JSON, default=dict)

    pipeline: Mapped[Pipeline] = relationship(back_populates="steps", lazy="raise")


class MatchRecord(db.Model):
    """One run of matching for a request: the winner (or none) and the explanation."""

    __tablename__ = "matching_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(Integer)  # the order's id, in matching's words
    sample_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pipeline_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    explanation: Mapped[dict] = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_matching_results_request", "request_id", "id"),)


class Replay(db.Model):
    """A replay of past requests through the live pipeline and a draft, and its kept report.

    Both pipelines are copied in when the replay starts (``*_steps``), so the report still
    says what was compared after either is edited, enabled or discarded.
    """

    __tablename__ = "matching_replays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)  # its job run
    draft_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    draft_name: Mapped[str] = mapped_column(String(40))
    live_version: Mapped[int] = mapped_column(Integer)
    draft_version: Mapped[int] = mapped_column(Integer)
    live_steps: Mapped[list] = mapped_column(JSON)
    draft_steps: Mapped[list] = mapped_column(JSON)
    period_from = mapped_column(UTCDateTime, nullable=False)  # requests starting at or after
    period_to = mapped_column(UTCDateTime, nullable=False)  # … and before
    started_by: Mapped[str] = mapped_column(String(200))
    created_at = mapped_column(UTCDateTime, nullable=False)
    # Filled when the last request is replayed: totals by sample, spread, failed-before rates.
    summary: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    @property
    def period_last(self):
        """A moment of the period's last day (``period_to`` is the next day's start)."""
        return self.period_to - timedelta(seconds=1)


class ReplayResult(db.Model):
    """One past request replayed: who each pipeline chose, who really got it, and why they differ."""

    __tablename__ = "matching_replay_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    replay_id: Mapped[int] = mapped_column(ForeignKey("matching_replays.id"))
    request_id: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)  # in the replay's order (when matching ran)
    starts_at = mapped_column(UTCDateTime, nullable=False)
    actual_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # who really got it
    live_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    draft_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Why the choices differ: the first step that set them apart, and how (see replay.py).
    deciding_step: Mapped[str | None] = mapped_column(String(60), nullable=True)
    deciding_how: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # The chosen sample had failed this reference before the request (live, draft, actual).
    live_failed_before: Mapped[bool] = mapped_column(Boolean, default=False)
    draft_failed_before: Mapped[bool] = mapped_column(Boolean, default=False)
    actual_failed_before: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("replay_id", "position"),)
