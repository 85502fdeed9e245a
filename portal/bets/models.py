"""The bets context's tables: one book per accepted order, and the managers' bets on it."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db

OUTCOMES = ("completed", "cancelled", "failed")
BOOK_STATES = ("open", "closed", "settled")


class BetBook(db.Model):
    """The betting book of one order: open from acceptance to check-in, settled once at the end.

    Fed by the orders' events, so bets never read or lock the orders' rows. The order id is
    the primary key: a second settlement of the same order finds the book already settled.
    """

    __tablename__ = "bet_books"

    order_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(10))
    opened_at = mapped_column(UTCDateTime, nullable=False)
    closed_at = mapped_column(UTCDateTime, nullable=True)
    settled_at = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    pool_cents: Mapped[int] = mapped_column(Integer, default=0)
    # What nobody won goes to the house bank ("to the developers").
    house_cents: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("state IN ('open', 'closed', 'settled')", name="known_state"),
        Index("ix_bet_books_state_settled", "state", "settled_at", "order_id"),  # recent settlements
    )


class Bet(db.Model):
    """One manager's stake on one order's outcome; changed or withdrawn until the book closes."""

    __tablename__ = "bets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("bet_books.order_id"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    stake_cents: Mapped[int] = mapped_column(Integer)
    placed_at = mapped_column(UTCDateTime, nullable=False)
    # Set at settlement: the bet's share of the pool (0 for a losing bet).
    payout_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        UniqueConstraint("order_id", "manager_id"),
        CheckConstraint("stake_cents > 0", name="stake_positive"),
        CheckConstraint("outcome IN ('completed', 'cancelled', 'failed')", name="known_outcome"),
    )
