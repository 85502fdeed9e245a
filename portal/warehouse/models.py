"""The warehouse's tables: a kit per accepted order, and its fortune-cookie request."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db

# new → assembling → ready → issued; cancelled when the order is cancelled or fails.
KIT_STATES = ("new", "assembling", "ready", "issued", "cancelled")
# What staff still have to work on: the board's default list.
WORKING_STATES = ("new", "assembling", "ready")
# requested: sent (or being retried), no answer yet; expected: the bakery named a time;
# late: that time has passed without the cookie; received: it is in the kit.
COOKIE_STATES = ("requested", "expected", "late", "received")


class Kit(db.Model):
    """The consumables package for one order, assembled in the warehouse and handed to the worker.

    It keeps its own copy of the order's facts it was told on ``order.accepted`` (the
    warehouse is a separate building: it reads no other context's tables).
    """

    __tablename__ = "warehouse_kits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, unique=True)  # one kit per order
    client_id: Mapped[int] = mapped_column(Integer)
    client_name: Mapped[str] = mapped_column(String(120))
    worker_id: Mapped[int] = mapped_column(Integer)
    worker_name: Mapped[str] = mapped_column(String(120))
    service_type: Mapped[str] = mapped_column(String(40))  # the service type's code
    address: Mapped[str] = mapped_column(String(300))
    # Pickup time is the order's start.
    starts_at = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[str] = mapped_column(String(20), default="new")
    opened_at = mapped_column(UTCDateTime, nullable=False)
    ready_at = mapped_column(UTCDateTime, nullable=True)
    issued_at = mapped_column(UTCDateTime, nullable=True)
    # Who handed it over (a warehouse or manager account).
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    issued_by_name: Mapped[str] = mapped_column(String(120), default="")
    cancelled_at = mapped_column(UTCDateTime, nullable=True)
    # Optimistic lock: two racing clicks leave one result even without row locks (SQLite).
    version: Mapped[int] = mapped_column(Integer, default=1)

    cookie: Mapped[CookieRequest] = relationship(lazy="raise", uselist=False, back_populates="kit")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("state IN ('new', 'assembling', 'ready', 'issued', 'cancelled')",
                        name="known_state"),
        Index("ix_warehouse_kits_state_starts", "state", "starts_at"),
        Index("ix_warehouse_kits_starts", "starts_at"),
        Index("ix_warehouse_kits_worker_issued", "worker_id", "state", "issued_at"),
    )


class CookieRequest(db.Model):
    """The fortune cookie ordered from the bakery for the kit; the kit's id is the idempotency key."""

    __tablename__ = "warehouse_cookie_requests"

    kit_id: Mapped[int] = mapped_column(ForeignKey("warehouse_kits.id"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(60), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="requested")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    requested_at = mapped_column(UTCDateTime, nullable=False)
    last_attempt_at = mapped_column(UTCDateTime, nullable=True)
    expected_at = mapped_column(UTCDateTime, nullable=True)
    received_at = mapped_column(UTCDateTime, nullable=True)

    kit: Mapped[Kit] = relationship(lazy="raise", back_populates="cookie")

    __table_args__ = (
        CheckConstraint("state IN ('requested', 'expected', 'late', 'received')", name="known_state"),
        Index("ix_warehouse_cookie_requests_state", "state", "expected_at"),
    )
