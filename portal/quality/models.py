"""The quality context's tables: finished orders it heard of, cases, causes, the sampling rate."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db

# Why a case was opened: the order's bad end, the client's complaint, a check, or a client or
# worker disputing a line of their statement.
REASONS = ("cancelled", "failed", "problem", "random", "sampled", "dispute")
CASE_STATES = ("open", "closed")
DISPUTE_OUTCOMES = ("confirmed", "corrected")
_NOT_A_DISPUTE = text("reason <> 'dispute'")
_OPEN = text("state = 'open'")


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
    # None for a dispute of a line without an order (a bonus, a payout, a credit).
    order_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    reason: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default="open")
    # The order's facts from its event, so the queue needs no other context. A dispute names
    # only the disputer's side: a worker's line is between the worker and the house.
    client_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
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
    # A dispute: the statement line (its ledger entry), as it stood when disputed, and by whom.
    entry_key: Mapped[str | None] = mapped_column(ForeignKey("ledger_entries.key"), nullable=True)
    line_kind: Mapped[str | None] = mapped_column(String(10), nullable=True)
    line_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    disputed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # The decision: the line confirmed, or corrected by a new entry of this amount (never an edit).
    outcome: Mapped[str | None] = mapped_column(String(10), nullable=True)
    correction_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    correction_key: Mapped[str | None] = mapped_column(String(120), nullable=True)

    cause: Mapped[Cause | None] = relationship(lazy="raise")

    @property
    def is_dispute(self) -> bool:
        return self.reason == "dispute"

    __table_args__ = (
        # One case per order and reason: a repeated event never opens a second. Disputes are
        # per line instead: one open dispute per line (two racing clicks leave one).
        Index("uq_qc_cases_order_reason", "order_id", "reason", unique=True,
              sqlite_where=_NOT_A_DISPUTE, postgresql_where=_NOT_A_DISPUTE),
        Index("uq_qc_cases_open_dispute", "entry_key", unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN),
        CheckConstraint("state IN ('open', 'closed')", name="known_state"),
        CheckConstraint("reason IN ('cancelled', 'failed', 'problem', 'random', 'sampled', 'dispute')",
                        name="known_reason"),
        CheckConstraint("outcome IS NULL OR outcome IN ('confirmed', 'corrected')", name="known_outcome"),
        Index("ix_qc_cases_state_opened", "state", "opened_at"),
        Index("ix_qc_cases_worker", "worker_id", "opened_at"),
        Index("ix_qc_cases_disputed_by", "disputed_by", "opened_at"),
        Index("ix_qc_cases_state_closed", "state", "closed_at"),  # closed cases, latest first
    )
