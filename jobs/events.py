"""Event consumers: which context reacts to which event, run exactly once each.

A consumer is a plain function ``fn(payload, event_id)`` in ``jobs/<context>.py``
that calls ``portal.<context>``. Its work is committed together with its unique
(event, consumer) record, so a second delivery does nothing.

The relay sends one message per commit (``handle_events``; the sweep, one per event):
every consumer of its events runs in one transaction, which confirms the events too (one
commit instead of one per consumer and event; measured in ``bench/finished.py``). Should
any consumer fail, that transaction is rolled back whole; each event is tried alone, and
then each of its consumers gets a message of its own, run in its own transaction and
retried with backoff by Dramatiq alone: a failure is isolated from the others' effects.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

from datetime import timedelta

import dramatiq

from portal import clock, events
from portal.db import db, transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Consumer:
    name: str
    event: str
    fn: Callable[..., None]


_consumers: dict[str, Consumer] = {}


def consumer(event_name: str):
    """Declare ``fn`` a consumer of ``event_name``."""

    def register(fn):
        name = f"{fn.__module__.removeprefix('jobs.')}.{fn.__name__}"
        _consumers[name] = Consumer(name, event_name, fn)
        return fn

    return register


def consumers_of(event_name: str) -> list[str]:
    return sorted(c.name for c in _consumers.values() if c.event == event_name)


_after = threading.local()


def afterwards(fn: Callable[[], None]) -> None:
    """From a consumer: call ``fn`` in this same message once the consumer's transaction has
    committed (work that must not hold it open, like an SMTP conversation); never if it
    rolls back. Cheaper than sending a message of its own."""
    calls = getattr(_after, "calls", None)
    if calls is None:
        raise RuntimeError("afterwards() is for consumers run by handle_event")
    calls.append(fn)


@contextmanager
def _then_afterwards():
    """Collect what the consumers leave for after the commit; call it if the block succeeded."""
    outer = getattr(_after, "calls", None)
    _after.calls = calls = []
    try:
        yield
    finally:
        _after.calls = outer
    for fn in calls:
        fn()


@dramatiq.actor(queue_name="events", max_retries=20)
def handle_event(event_id: str, consumer_name: str | None = None) -> None:
    """Run every consumer of one event in one transaction (``consumer_name`` None, as the
    sweep sends it), or one consumer alone (after a failure among them)."""
    if consumer_name is not None:
        _handle_alone(event_id, consumer_name)
        return
    try:
        handle_together(event_id)
    except Exception:  # noqa: BLE001 - rolled back; each consumer is retried on its own
        log.warning("event %s: a consumer failed; each goes on alone", event_id, exc_info=True)
        _fan_out(event_id)


@dramatiq.actor(queue_name="events", max_retries=20)
def handle_events(event_ids: list[str]) -> None:
    """The events one commit published, in one message and one transaction (ending an order
    publishes the order's event and its emails': one message and one commit for them all
    instead of one each; bench/finished.py). Should a consumer fail, each event goes on as
    ``handle_event`` runs it, in a transaction of its own."""
    try:
        handle_together(*event_ids)
    except Exception:  # noqa: BLE001 - rolled back; each event is handled on its own
        log.warning("events %s: a consumer failed; each event goes on alone", event_ids, exc_info=True)
        for event_id in event_ids:
            handle_event.fn(event_id)


def handle_together(*event_ids: str) -> int:
    """Run every consumer of these events that has not handled them yet, in one transaction
    that also confirms the events; returns how many ran. Raises (with nothing written) if
    one fails.

    Their records are claimed first, in one insert: a consumer running alone at the same
    moment (a retry) is waited for and then left out, so nothing is done twice.
    """
    with _then_afterwards(), transaction():
        pending = events.undone(list(event_ids))
        if not pending:
            return 0
        todo = events.claim_all([(ev.id, name) for ev in pending for name in consumers_of(ev.name)])
        for ev in pending:
            for name in consumers_of(ev.name):
                if (ev.id, name) in todo:
                    _consumers[name].fn(ev.payload, event_id=ev.id)
        events.mark_done([ev.id for ev in pending])
    return len(todo)


def _fan_out(event_id: str) -> None:
    """One message per consumer of the event: each retried alone, with its own backoff."""
    with transaction():
        ev = db.session.get(events.OutboxEvent, event_id)
        name = ev.name if ev is not None else None
    for consumer_name in consumers_of(name) if name else []:
        handle_event.send(event_id, consumer_name)


def _handle_alone(event_id: str, consumer_name: str) -> None:
    """Run one consumer for one event, once, and confirm the event in the same transaction
    when this was the last of its consumers (``events.mark_done_if_complete`` counts the
    handled rows under the event's row lock, so two consumers finishing at once cannot
    each miss the other's)."""
    c = _consumers.get(consumer_name)
    if c is None:
        log.error("no consumer %s (event %s)", consumer_name, event_id)
        return
    with _then_afterwards(), transaction():
        ev = events.claim(event_id, c.name)
        if ev is not None:
            c.fn(ev.payload, event_id=ev.id)
        events.mark_done_if_complete(event_id, consumers_of(c.event))


@dramatiq.actor(queue_name="events", max_retries=20)
def close_event(event_id: str, event_name: str) -> None:
    """An event nobody consumes is done as soon as it is relayed (messages sent before
    ``handle_event`` took every event; it confirms these too)."""
    with transaction():
        events.mark_done_if_complete(event_id, consumers_of(event_name))


# Consumers publish events of their own (a kit opened, an email queued): this many rounds.
DELIVERY_ROUNDS = 5


def deliver_pending() -> int:
    """Run every consumer of every event not done yet, here and now, oldest first.

    The demo walks through skipped time with the clock stopped at each step and calls this
    after each one, so a charge is made when its order finished and a book settles when its
    order ended, not whenever a worker thread gets to them. The unique (event, consumer)
    record keeps a worker thread that got there first from doing anything twice. A consumer
    that fails is left to the sweep's retries. Returns how many consumers ran.
    """
    ran, failed = 0, set()
    for _ in range(DELIVERY_ROUNDS):
        pending = events.unconfirmed(created_before=clock.now() + timedelta(seconds=1))
        todo = [(event_id, name) for event_id, name in pending if event_id not in failed]
        if not todo:
            break
        for event_id, name in todo:
            names = consumers_of(name)
            try:
                if not names:
                    close_event.fn(event_id, name)
                for consumer_name in names:
                    handle_event.fn(event_id, consumer_name)
                    ran += 1
            except Exception:  # noqa: BLE001 - the sweep retries it; the walk goes on
                log.warning("event %s %s not delivered now; the sweep will", name, event_id, exc_info=True)
                failed.add(event_id)
    return ran
