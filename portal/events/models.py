from __future__ import annotations

import uuid

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db


class OutboxEvent(db.Model):
    """A business event, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at = mapped_column(UTCDateTime, nullable=False)
    # When the relay or the sweep last handed it to the broker; the sweep re-sends
    # anything not done some time after that.
    sent_at = mapped_column(UTCDateTime, nullable=True)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    # Every consumer has handled it.
    done_at = mapped_column(UTCDateTime, nullable=True)
    # The request (or job) that published it: the sweep re-sends it under the same id, so its
    # consumers' log lines still lead back to the user's action (portal.logs).
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("ix_outbox_events_pending", "done_at", "created_at"),)


class HandledEvent(db.Model):
    """One row per (event, consumer): the unique key is what makes consumers idempotent."""

    __tablename__ = "handled_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    handler: Mapped[str] = mapped_column(String(120))
    handled_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("event_id", "handler"),)
