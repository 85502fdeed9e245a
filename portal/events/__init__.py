"""Transactional outbox: business events written with the change that caused them.

``publish`` adds a row to the current transaction. After that transaction commits,
the hooks registered with ``on_commit`` (the relay in ``jobs``) are called with the
new event ids. Nothing here knows about the broker.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import Select, case, func, literal, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from portal import clock, logs
from portal.db import UTCDateTime, db, insert_new, locked
from portal.paging import capped_count
from portal.events.models import HandledEvent, OutboxEvent

__all__ = [
    "OutboxEvent",
    "HandledEvent",
    "publish",
    "on_commit",
    "claim",
    "claim_all",
    "undone",
    "mark_done",
    "mark_done_if_complete",
    "due_for_resend",
    "unconfirmed",
    "unconfirmed_count", "unconfirmed_events",
    "mark_sent",
    "is_handled",
    "request_ids",
    "RESEND_RUN",
]

# The run a manager starts from the runs page to re-send every unconfirmed event now
# (after fixing an outage, rather than waiting for the sweep's growing intervals).
RESEND_RUN = "outbox.resend"

_PENDING = "outbox_pending"
_hooks: list[Callable[[list[tuple[str, str]]], None]] = []


def publish(name: str, payload: dict) -> OutboxEvent:
    """Record ``name`` (``thing.past_tense``) in the current transaction."""
    if "." not in name:
        raise ValueError("event names look like 'order.accepted'")
    ev = OutboxEvent(name=name, payload=payload, created_at=clock.now(), sends=0, request_id=logs.request_id())
    session = db.session()
    session.add(ev)
    session.flush([ev])
    # Remember the SAVEPOINT it was published in (if any): rolling that back drops it.
    session.info.setdefault(_PENDING, []).append((ev.id, ev.name, session.get_nested_transaction()))
    return ev


def on_commit(hook: Callable[[list[tuple[str, str]]], None]) -> None:
    """Call ``hook([(event_id, name), …])`` after each commit that published events."""
    if hook not in _hooks:
        _hooks.append(hook)


@sa_event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Releasing a SAVEPOINT fires this too: the events wait for the real commit.
    if session.get_nested_transaction() is not None:
        return
    pending = session.info.pop(_PENDING, None)
    if pending:
        ids = [(event_id, name) for event_id, name, _ in pending]
        for hook in list(_hooks):
            hook(ids)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    # A SAVEPOINT rolled back drops only what was published inside it.
    savepoint = session.get_nested_transaction()
    if savepoint is not None and _PENDING in session.info:
        session.info[_PENDING] = [p for p in session.info[_PENDING] if not _inside(p[2], savepoint)]


@sa_event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # Over without a commit (rolled back, or the session closed): its events never existed.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _inside(tx: SessionTransaction | None, savepoint: SessionTransaction) -> bool:
    while tx is not None:
        if tx is savepoint:
            return True
        tx = tx.parent
    return False


def claim(event_id: str, handler: str) -> OutboxEvent | None:
    """Start handling ``event_id`` by ``handler`` in the current transaction.

    Returns the event, or None when this handler already handled it (or it does not
    exist). The unique (event, handler) row is inserted at once, so a concurrent
    duplicate waits here for the first transaction and then inserts nothing. No
    SAVEPOINT: on SQLite (pysqlite) releasing one that opened the transaction
    commits it, which would mark the event handled before the consumer's work is.
    """
    session = db.session
    ev = session.get(OutboxEvent, event_id)
    if ev is None:
        return None
    claimed = insert_new(HandledEvent.__table__, [{"event_id": event_id, "handler": handler, "handled_at": clock.now()}],
                         returning=["id"]).scalar()
    return ev if claimed is not None else None


def undone(event_ids: list[str]) -> list[OutboxEvent]:
    """Those of these events not done yet, in the order given (one query)."""
    found = {ev.id: ev for ev in db.session.scalars(
        select(OutboxEvent).where(OutboxEvent.id.in_(event_ids), OutboxEvent.done_at.is_(None)))}
    return [found[event_id] for event_id in event_ids if event_id in found]


def claim_all(claims: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Start handling events by handlers, ``(event_id, handler)`` pairs, all at once in the
    current transaction: one multi-row insert of their rows. Returns the pairs that had not
    been handled yet (the rows this call inserted).

    A handler running alone (``claim``) at the same moment holds its row: this insert waits
    for that transaction, then leaves the pair out if it committed. The rows go in one
    order, so two such inserts never wait on each other crosswise.
    """
    if not claims:
        return set()
    now = clock.now()
    inserted = insert_new(HandledEvent.__table__, [{"event_id": event_id, "handler": handler, "handled_at": now}
                                                   for event_id, handler in sorted(claims)],
                          returning=["event_id", "handler"])
    return {(event_id, handler) for event_id, handler in inserted}


def mark_done(event_ids: list[str]) -> None:
    """Confirm the events: the caller has every one of their handlers' rows in this transaction."""
    db.session.execute(
        update(OutboxEvent).where(OutboxEvent.id.in_(event_ids), OutboxEvent.done_at.is_(None))
        .values(done_at=clock.now())
    )


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
    """Mark the event done once every one of ``handlers`` has handled it.

    Counts the handled rows under the event's row lock, taken last in the handler's
    transaction: a second consumer finishing at the same moment waits here for the first
    one's commit and then sees its row, so the last of them always confirms the event.
    """
    ev = locked(OutboxEvent, OutboxEvent.id == event_id)
    if ev is None:
        return False
    if ev.done_at is not None:
        return True
    handled = set(
        db.session.scalars(select(HandledEvent.handler).where(HandledEvent.event_id == event_id))
    )
    if set(handlers) <= handled:
        ev.done_at = clock.now()
        return True
    return False


# A re-send waits twice as long as the one before, up to 2**6 times the first wait
# (32 min after 30 s): a consumer that is down for hours is not flooded.
MAX_DOUBLINGS = 6


def due_for_resend(older_than: timedelta, limit: int = 500) -> list[tuple[str, str]]:
    """``(id, name)`` of events not done whose last send (or creation) is older than
    ``older_than``, doubled for each earlier re-send; the oldest first."""
    now = clock.now()
    last_sent = func.coalesce(OutboxEvent.sent_at, OutboxEvent.created_at)
    cutoff = case(
        *[(OutboxEvent.sends <= n, literal(now - older_than * 2**n, UTCDateTime)) for n in range(MAX_DOUBLINGS)],
        else_=literal(now - older_than * 2**MAX_DOUBLINGS, UTCDateTime),
    )
    rows = db.session.execute(
        select(OutboxEvent.id, OutboxEvent.name)
        # A stamp ahead of now was written under a moved clock (the demo data's): it would
        # never come due, so it is due at once; the re-send stamps it with the real now.
        .where(OutboxEvent.done_at.is_(None), or_(last_sent <= cutoff, last_sent > literal(now, UTCDateTime)))
        .order_by(OutboxEvent.created_at)
        .limit(limit)
    )
    return [(row.id, row.name) for row in rows]


def unconfirmed(created_before: datetime) -> list[tuple[str, str]]:
    """``(id, name)`` of every event created before ``created_before`` and not done yet
    (stamped in the future by a moved clock, as the demo data is: it was made before too)."""
    now = literal(clock.now(), UTCDateTime)
    return [
        (row.id, row.name)
        for row in db.session.execute(
            select(OutboxEvent.id, OutboxEvent.name)
            .where(OutboxEvent.done_at.is_(None),
                   or_(OutboxEvent.created_at < created_before, OutboxEvent.created_at > now))
            .order_by(OutboxEvent.created_at)
        )
    ]


def unconfirmed_events(created_before: datetime) -> Select:
    """Events created before ``created_before`` and not done yet, as a statement to count."""
    return select(OutboxEvent.id).where(OutboxEvent.done_at.is_(None), OutboxEvent.created_at < created_before)


def unconfirmed_count(created_before: datetime) -> int:
    """How many events created before ``created_before`` are not done yet, up to the cap (one query)."""
    return capped_count(unconfirmed_events(created_before))


def request_ids(event_ids: list[str]) -> dict[str, str]:
    """The request id each of these events was published under, where there was one (one query)."""
    if not event_ids:
        return {}
    return dict(db.session.execute(select(OutboxEvent.id, OutboxEvent.request_id).where(
        OutboxEvent.id.in_(event_ids), OutboxEvent.request_id.is_not(None))).all())


def mark_sent(event_ids: list[str]) -> None:
    """Note that these events are handed to the broker (again) now: the next re-send
    waits longer, and a concurrent sweep does not pick them up too."""
    if event_ids:
        db.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(event_ids))
            .values(sent_at=clock.now(), sends=OutboxEvent.sends + 1)
        )
