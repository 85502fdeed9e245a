"""Looking at the outbox from a test, and making a relay get lost."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import select

from portal import events
from portal.db import db


@contextmanager
def relay_off():
    """A crash between commit and send: events committed inside never reach the broker."""
    saved = list(events._hooks)
    events._hooks.clear()
    try:
        yield
    finally:
        events._hooks[:] = saved


def echo(payload: dict, event_id: str) -> None:
    """A consumer whose effect is an event of its own, written in the consumer's
    transaction: it exists only if the consumer's work was committed."""
    events.publish("test.echoed", payload)


def echoed() -> list:
    """What ``echo`` has done so far (the ``n`` of each payload), oldest first."""
    payloads = db.session.scalars(
        select(events.OutboxEvent.payload)
        .where(events.OutboxEvent.name == "test.echoed")
        .order_by(events.OutboxEvent.created_at)
    ).all()
    db.session.rollback()  # the next look sees the workers' later commits
    return sorted(p["n"] for p in payloads)


def is_done(event_id: str) -> bool:
    """Every consumer of the event has handled it."""
    done_at = db.session.scalar(select(events.OutboxEvent.done_at).where(events.OutboxEvent.id == event_id))
    db.session.rollback()
    return done_at is not None
