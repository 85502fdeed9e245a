"""The quality context's tables: finished orders it heard of, cases, causes, the sampling rate."""

from __future__ import annotations

from sqlalchemy import (
    Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db

# Why a case was opened: the order's bad end, the client's complaint, or a check.
REASONS = ("cancelled", "failed", "problem", "random", "sampled")
CASE_STATES = ("open", "closed")


class FinishedOrder(db.Model):
    """An order's end as ``order.finished`` told it: what random checks and sampling pick from.

    Quality never reads the orders' tables; these facts arrive with the event.
    """

    __tablename__ = "qc_finished_orders"

    order_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    outcome: Mapped[str] = mapped_column(String(20))
    client_id: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    service_type: Mapped[str] = mapped_column(String(40))
    finished_at = mapped_column(UTCDateTime, nullable=False)
    # When the sampler decided about this order (checked or not): each order is drawn once.
    sampled_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_qc_finished_orders_unsampled", "outcome", "sampled_at"),)


class Cause(db.Model):
    """A cause a case can be put down to; managers maintain the list."""

    __tablename__ = "qc_causes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False)


class Settings(db.Model):
    """Quality control's settings: one row, edited by managers."""

    __tablename__ = "qc_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Percentage of completed orders the scheduler opens a case for.
    sampling_percent: Mapped[int] = mapped_column(Integer, default=0)
    updated_at = mapped_column(UTCDateTime, nullable=False)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    __table_args__ = (CheckConstraint("sampling_percent BETWEEN 0 AND 100", name="percent_range"),)


class Case(db.Model):
    """One look at one order's work, from opening to the emailed result."""

    __tablename__ = "qc_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    reason: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="open")
    # The order's facts from its event, so the queue needs no other context.
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    service_type: Mapped[str] = mapped_column(String(40))
    complaint: Mapped[str] = mapped_column(Text, default="")
    opened_at = mapped_column(UTCDateTime, nullable=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The result form.
    client_contacted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    findings: Mapped[str] = mapped_column(Text, default="")
    cause_id: Mapped[int | None] = mapped_column(ForeignKey("qc_causes.id"), nullable=True)
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    worker_at_fault: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    closed_at = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    cause: Mapped[Cause | None] = relationship(lazy="raise")

    __table_args__ = (
        # One case per order and reason: a repeated event never opens a second.
        UniqueConstraint("order_id", "reason"),
        CheckConstraint("state IN ('open', 'closed')", name="known_state"),
        CheckConstraint("reason IN ('cancelled', 'failed', 'problem', 'random', 'sampled')",
                        name="known_reason"),
        Index("ix_qc_cases_state_opened", "state", "opened_at"),
        Index("ix_qc_cases_worker", "worker_id", "opened_at"),
        Index("ix_qc_cases_state_closed", "state", "closed_at"),  # closed cases, latest first
    )
