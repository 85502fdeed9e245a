"""The matching context's tables: the pipeline managers edit, and every match's explanation."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
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
