"""The orders context's tables: service types, orders, their timeline, photos, feedback and
the workers' records."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db
# Orders reads the people tables directly (the founding note's shared-database decision).
from portal.people.models import User

# The lifecycle (SPEC §7). Final states never change again.
# expired: nobody was found before the start; the order ends without a charge.
STATES = ("awaiting_worker", "assigned", "in_progress", "completed", "cancelled", "failed", "expired")
ACTIVE_STATES = ("awaiting_worker", "assigned", "in_progress")
FINAL_STATES = ("completed", "cancelled", "failed", "expired")
# States in which the worker's time is taken.
BUSY_STATES = ("assigned", "in_progress")
PHOTO_KINDS = ("check_in", "report")
FEEDBACK_KINDS = ("rating", "problem")

DEFAULT_BASE_PRICE_CENTS = 10_000  # 100 CU (SPEC §6)


class ServiceType(db.Model):
    """A chore MCF offers; managers maintain the list, clients see the active ones."""

    __tablename__ = "service_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable code the rest of the business uses (hiring strengths, matching, events).
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_ru: Mapped[str] = mapped_column(String(120))
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_ru: Mapped[str] = mapped_column(Text, default="")
    base_price_cents: Mapped[int] = mapped_column(Integer, default=DEFAULT_BASE_PRICE_CENTS)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (CheckConstraint("base_price_cents >= 0", name="price_not_negative"),)

    def name(self, language: str) -> str:
        return (self.name_ru if str(language).startswith("ru") else self.name_en) or self.name_en

    def description(self, language: str) -> str:
        text = self.description_ru if str(language).startswith("ru") else self.description_en
        return text or self.description_en


class Order(db.Model):
    """A client's request for a chore at a time and place, and who does it."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(300))
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[str] = mapped_column(String(20))
    # The list price when booked; the client's discount is billing's business (BI-1).
    price_cents: Mapped[int] = mapped_column(Integer)
    # A rebooking points at the failed order it replaces (at most one each).
    rebooked_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id"), nullable=True, unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    assigned_at = mapped_column(UTCDateTime, nullable=True)
    checked_in_at = mapped_column(UTCDateTime, nullable=True)
    finished_at = mapped_column(UTCDateTime, nullable=True)
    # Optimistic lock: every UPDATE checks it, so two racing clicks leave one result
    # even where the database has no row locks (SQLite).
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The booking form's key: the same form sent twice books once (``portal.db.add_once``).
    submission_key: Mapped[str | None] = mapped_column(String(40), nullable=True)

    service_type: Mapped[ServiceType] = relationship(lazy="raise")
    # Read-only views of the people tables, loaded only when a query asks for them.
    client: Mapped[User] = relationship(foreign_keys=[client_id], lazy="raise", viewonly=True)
    worker: Mapped[User | None] = relationship(foreign_keys=[worker_id], lazy="raise", viewonly=True)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "state IN ('awaiting_worker', 'assigned', 'in_progress', 'completed', 'cancelled', 'failed', 'expired')",
            name="known_state"),
        Index("ix_orders_client_starts", "client_id", "starts_at"),
        Index("ix_orders_worker_starts", "worker_id", "starts_at"),
        Index("ix_orders_state_starts", "state", "starts_at"),
        Index("ix_orders_created", "created_at"),
        # The managers' list: newest start first, unfiltered, by dates or by service.
        Index("ix_orders_starts_id", "starts_at", "id"),
        Index("ix_orders_service_starts", "service_type_id", "starts_at"),
        Index("uq_orders_submission_key", "submission_key", unique=True),
    )

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class TimelineEntry(db.Model):
    """One thing that happened to an order: a transition, a rating, a problem report."""

    __tablename__ = "order_timeline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    at = mapped_column(UTCDateTime, nullable=False)
    # booked, waiting, assigned, checked_in, completed, cancelled, failed, rated, problem_reported
    kind: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Who did it: a user, or the system (matching, the no-show sweep) when None.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_role: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")


class OrderPhoto(db.Model):
    """The check-in photo and the signed-report photo, kept in the database for every web process."""

    __tablename__ = "order_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    kind: Mapped[str] = mapped_column(String(20))
    # A photo reused from an earlier order is refused (operations._store_photo): the same
    # bytes, the same decoded pixels (unique: two uploads at once leave one), or the same
    # picture re-encoded or resized (the difference hash within a few bits; each 16-bit
    # quarter of it is indexed to find the candidates). Photos stored before 0013 have no
    # pixel digest, and a picture without shapes has no difference hash.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    pixels_sha256: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    dhash: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    dhash_q1: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    dhash_q2: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    dhash_q3: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    dhash_q4: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("order_id", "kind"),)


class Feedback(db.Model):
    """The client's word after completion: a rating (1–5) or a problem report, once per order."""

    __tablename__ = "order_feedback"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    stars: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint("kind IN ('rating', 'problem')", name="known_kind"),
        CheckConstraint("stars IS NULL OR (stars BETWEEN 1 AND 5)", name="stars_1_to_5"),
    )


class WorkerRecord(db.Model):
    """A worker's record so far, as counters kept by the operations (``portal.orders.records``).

    Matching weighs it for every worker at every match; counting it from all past orders
    and their feedback each time was most of a match's time. Each counter moves in the same
    transaction as the transition or the feedback that changes it, so it always equals the
    count over the orders (``records.counted_records`` recounts it). A worker without a row
    has no past orders yet.
    """

    __tablename__ = "worker_records"

    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    # Problems reported by clients.
    disputes: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
