"""Transactional outbox: business events written with the change that caused them.

``publish`` adds a row to the current transaction. After that transaction commits,
the hooks registered with ``on_commit`` (the relay in ``jobs``) are called with the
new event ids. Nothing here knows about the broker.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Callable

from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import clock
from portal.db import db
from portal.events.models import HandledEvent, OutboxEvent

__all__ = [
    "OutboxEvent",
    "HandledEvent",
    "publish",
    "on_commit",
    "claim",
    "mark_done_if_complete",
    "due_for_resend",
    "is_handled",
]

_PENDING = "outbox_pending"
_hooks: list[Callable[[list[tuple[str, str]]], None]] = []


def publish(name: str, payload: dict) -> OutboxEvent:
    """Record ``name`` (``thing.past_tense``) in the current transaction."""
    if "." not in name:
        raise ValueError("event names look like 'order.accepted'")
    ev = OutboxEvent(name=name, payload=payload, created_at=clock.now(), sends=0)
    session = db.session
    session.add(ev)
    session.flush([ev])
    session.info.setdefault(_PENDING, []).append((ev.id, ev.name))
    return ev


def on_commit(hook: Callable[[list[tuple[str, str]]], None]) -> None:
    """Call ``hook([(event_id, name), …])`` after each commit that published events."""
    if hook not in _hooks:
        _hooks.append(hook)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        for hook in list(_hooks):
            hook(ids)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # An event of a rolled-back transaction never existed.
    session.info.pop(_PENDING, None)


def claim(event_id: str, handler: str) -> OutboxEvent | None:
    """Start handling ``event_id`` by ``handler`` in the current transaction.

    Returns the event, or None when this handler already handled it (or it does not
    exist). The unique (event, handler) row is flushed at once so a concurrent
    duplicate waits here and then finds it taken.
    """
    session = db.session
    ev = session.get(OutboxEvent, event_id)
    if ev is None:
        return None
    if is_handled(event_id, handler):
        return None
    try:
        with session.begin_nested():
            session.add(HandledEvent(event_id=event_id, handler=handler, handled_at=clock.now()))
    except IntegrityError:
        return None
    return ev


def is_handled(event_id: str, handler: str) -> bool:
    return (
        db.session.scalar(
            select(HandledEvent.id).where(
                HandledEvent.event_id == event_id, HandledEvent.handler == handler
            )
        )
        is not None
    )


def mark_done_if_complete(event_id: str, handlers: list[str]) -> bool:
    """Mark the event done once every one of ``handlers`` has handled it."""
    handled = set(
        db.session.scalars(select(HandledEvent.handler).where(HandledEvent.event_id == event_id))
    )
    if set(handlers) <= handled:
        db.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.done_at.is_(None))
            .values(done_at=clock.now())
        )
        return True
    return False


def due_for_resend(older_than: timedelta, limit: int = 500) -> list[OutboxEvent]:
    """Events not done whose last send (or creation) is older than ``older_than``.

    Marks them as sent now, so concurrent sweeps do not pile up duplicates.
    """
    cutoff = clock.now() - older_than
    rows = list(
        db.session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.done_at.is_(None), OutboxEvent.created_at <= cutoff)
            .where((OutboxEvent.sent_at.is_(None)) | (OutboxEvent.sent_at <= cutoff))
            .order_by(OutboxEvent.created_at)
            .limit(limit)
        )
    )
    now = clock.now()
    for ev in rows:
        ev.sent_at = now
        ev.sends = (ev.sends or 0) + 1
    return rows
