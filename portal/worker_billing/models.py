"""Worker billing tables: earnings, fines and bonuses (lines), monthly payouts and their attempts."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db

LINE_KINDS = ("earning", "fine", "bonus", "correction")  # correction: a dispute decided for the worker
PAYOUT_STATES = ("pending", "paid", "nothing")  # nothing: the month paid nothing (or a debt)


class Line(db.Model):
    """An earning (+), a fine (−), a bonus (+) or a correction (+) of a worker; one per order at most."""

    __tablename__ = "worker_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # signed: a fine is negative
    order_id: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    given_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    given_by_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    booked_at = mapped_column(UTCDateTime, nullable=False)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("worker_payouts.id"), nullable=True)
    # The bonus form's key: the same form sent twice gives one bonus (``portal.db.add_once``).
    submission_key: Mapped[str | None] = mapped_column(String(40), nullable=True)

    __table_args__ = (
        Index("ix_worker_lines_worker", "worker_id", "booked_at"),
        Index("ix_worker_lines_payout", "payout_id", "booked_at"),
        Index("uq_worker_lines_submission_key", "submission_key", unique=True),
    )


class Payout(db.Model):
    """A worker's month: earnings + bonuses − fines + the debt carried in; unique per month."""

    __tablename__ = "worker_payouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker_id: Mapped[int] = mapped_column(Integer)
    month_key: Mapped[str] = mapped_column(String(7))  # 2026-11
    earned_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    bonuses_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    fines_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # positive: taken
    carried_in_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # ≤ 0: last month's debt
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # ≥ 0: to pay
    carry_out_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # ≤ 0: into next month
    state: Mapped[str] = mapped_column(String(10))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    paid_at = mapped_column(UTCDateTime, nullable=True)
    batch: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        UniqueConstraint("worker_id", "month_key"),
        Index("ix_worker_payouts_state_next_try_at", "state", "next_try_at"),
        Index("ix_worker_payouts_batch", "batch"),
    )


class PayoutAttempt(db.Model):
    """One call to the golden hat; saved with its key before the call."""

    __tablename__ = "payout_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("worker_payouts.id"))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    finished_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_payout_attempts_payout", "payout_id"),)
