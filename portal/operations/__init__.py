"""Operations: what the background work is doing, seen from every web process.

The database side lives here: the processes' heartbeats (the scheduler's last tick, the
workers' beats), the outbox's lag by event and by the consumer that has not confirmed it, and
the log of what managers did to repair the background work. The broker's side (queues, dead
letters) is read by ``jobs.operations``, which the app factory hands in as the ``operations``
extension: nothing in ``portal/`` imports the broker.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import delete, func, select, update

from portal import clock
from portal.db import db, transaction
from portal.events import HandledEvent, OutboxEvent
from portal.operations.models import OperatorAction, ProcessBeat

__all__ = [
    "ProcessBeat", "OperatorAction", "SCHEDULER", "WORKER", "SCHEDULER_STALE", "WORKER_ALIVE", "BEAT_EVERY",
    "Backend", "backend", "this_process", "beat", "forget", "processes", "Processes",
    "EventLag", "outbox_lag", "record", "recent_actions", "ACTIONS", "OperationsCollector",
]

SCHEDULER, WORKER = "scheduler", "worker"
# The scheduler ticks every 5 s: two minutes without a tick means it is down or stuck (red).
SCHEDULER_STALE = timedelta(minutes=2)
# A worker beats every BEAT_EVERY; one silent for WORKER_ALIVE counts as gone (twice the broker's
# 15 s heartbeat timeout, so a busy machine does not make the page flicker red).
BEAT_EVERY = timedelta(seconds=5)
WORKER_ALIVE = timedelta(seconds=30)
# Beats of processes gone for longer than this are deleted (the page lists the live ones).
FORGET_AFTER = timedelta(days=1)
# The most process rows one page reads (a bound, not a limit anyone should reach).
MAX_PROCESSES = 200

# What the log records; the page words each in the reader's language.
ACTIONS = ("retry_message", "discard_message", "retry_queue", "discard_queue",
           "retry_email", "discard_email", "retry_emails", "discard_emails", "resend_events")


class Backend(Protocol):
    """What ``jobs.operations`` provides: the broker's queues and who consumes which event."""

    def names(self) -> list[str]: ...
    def queues(self) -> list[Any]: ...
    def dead_letters(self, limit: int) -> list[Any]: ...
    def retry(self, queue: str, key: str) -> bool: ...
    def discard(self, queue: str, key: str) -> bool: ...
    def retry_all(self, queue: str) -> int: ...
    def discard_all(self, queue: str) -> int: ...
    def consumers_of(self, event_name: str) -> list[str]: ...
    def resend(self, event_name: str) -> int: ...


def backend() -> Backend:
    return current_app.extensions["operations"]


def this_process() -> str:
    """``host:pid``: which process holds the scheduler, which processes work."""
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(kind: str, identity: str | None = None) -> None:
    """Record that ``kind``'s process is alive now (its own transaction)."""
    identity = identity or this_process()
    now = clock.now()
    with transaction():
        seen = db.session.execute(
            update(ProcessBeat).where(ProcessBeat.kind == kind, ProcessBeat.identity == identity)
            .values(beat_at=now).execution_options(synchronize_session=False)).rowcount
        if not seen:
            db.session.add(ProcessBeat(kind=kind, identity=identity, started_at=now, beat_at=now))
        if kind == SCHEDULER:  # one tidy-up per tick is plenty
            db.session.execute(delete(ProcessBeat).where(ProcessBeat.beat_at < now - FORGET_AFTER))


def forget(kind: str, identity: str | None = None) -> None:
    """A process stopping cleanly: it is gone at once rather than after WORKER_ALIVE."""
    with transaction():
        db.session.execute(delete(ProcessBeat).where(
            ProcessBeat.kind == kind, ProcessBeat.identity == (identity or this_process())))


@dataclass
class Processes:
    now: datetime
    scheduler: ProcessBeat | None  # the one that ticked last
    schedulers: list[ProcessBeat]  # every scheduler that ticked lately (more than one: a mistake)
    workers: list[ProcessBeat]  # alive
    gone_workers: list[ProcessBeat]  # beat within a day, silent now

    @property
    def scheduler_lag(self) -> timedelta | None:
        return None if self.scheduler is None else max(self.now - self.scheduler.beat_at, timedelta(0))

    @property
    def scheduler_down(self) -> bool:
        return self.scheduler is None or self.scheduler_lag >= SCHEDULER_STALE

    @property
    def no_worker(self) -> bool:
        return not self.workers


def processes() -> Processes:
    """Every process's last beat (one query)."""
    now = clock.now()
    rows = list(db.session.scalars(
        select(ProcessBeat).order_by(ProcessBeat.beat_at.desc()).limit(MAX_PROCESSES)))
    schedulers = [r for r in rows if r.kind == SCHEDULER]
    workers = [r for r in rows if r.kind == WORKER]
    return Processes(
        now=now,
        scheduler=schedulers[0] if schedulers else None,
        schedulers=[s for s in schedulers if now - s.beat_at < SCHEDULER_STALE],
        workers=[w for w in workers if now - w.beat_at < WORKER_ALIVE],
        gone_workers=[w for w in workers if now - w.beat_at >= WORKER_ALIVE],
    )


@dataclass
class EventLag:
    name: str
    count: int
    oldest_at: datetime
    # (consumer, how many of these events it has not handled), the consumers that lag only
    waiting_for: list[tuple[str, int]] = field(default_factory=list)

    def age(self, now: datetime) -> timedelta:
        # An event stamped ahead of now by a moved clock (the demo data) has no lag yet.
        return max(now - self.oldest_at, timedelta(0))


def outbox_lag(consumers_of=None) -> list[EventLag]:
    """Unconfirmed events by name, oldest first, each with the consumers that have not
    handled them (two queries whatever the backlog)."""
    consumers_of = consumers_of or backend().consumers_of
    pending = db.session.execute(
        select(OutboxEvent.name, func.count(OutboxEvent.id), func.min(OutboxEvent.created_at))
        .where(OutboxEvent.done_at.is_(None)).group_by(OutboxEvent.name)).all()
    if not pending:
        return []
    handled = {(name, handler): n for name, handler, n in db.session.execute(
        select(OutboxEvent.name, HandledEvent.handler, func.count(HandledEvent.id))
        .join(HandledEvent, HandledEvent.event_id == OutboxEvent.id)
        .where(OutboxEvent.done_at.is_(None)).group_by(OutboxEvent.name, HandledEvent.handler))}
    lags = []
    for name, count, oldest in pending:
        waiting = [(c, count - handled.get((name, c), 0)) for c in consumers_of(name)]
        lags.append(EventLag(name, count, oldest, [(c, n) for c, n in waiting if n > 0]))
    return sorted(lags, key=lambda lag: lag.oldest_at)


def record(action: str, params: dict, count: int, actor) -> OperatorAction:
    """Log what a manager (or an operator at the command line: ``actor`` None) did."""
    if action not in ACTIONS:
        raise ValueError(f"unknown operator action {action!r}")
    entry = OperatorAction(
        action=action, params=params, count=count, at=clock.now(),
        actor_id=getattr(actor, "id", None), actor_name=getattr(actor, "name", None) or "command line")
    with transaction():
        db.session.add(entry)
    return entry


def recent_actions(limit: int = 20) -> list[OperatorAction]:
    return list(db.session.scalars(
        select(OperatorAction).order_by(OperatorAction.at.desc(), OperatorAction.id.desc()).limit(limit)))


from portal.operations.metrics import OperationsCollector  # noqa: E402 - uses the functions above
