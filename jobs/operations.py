"""The broker seen by an operator: queues, delayed retries and dead letters, and their repair.

Dramatiq's RedisBroker keeps, under its namespace (``dramatiq`` by default), for each queue:
``<ns>:<queue>`` a list of waiting message ids (the head is fetched next) and ``<ns>:<queue>.msgs``
their data, which also holds the messages a worker has fetched and not acknowledged; the same
pair with ``.DQ`` for delayed messages (retries waiting for their backoff); ``<ns>:<queue>.XQ`` a
sorted set of dead-lettered ids scored by when they died, with ``<ns>:<queue>.XQ.msgs`` their
data (dropped after the broker's ``dead_message_ttl``). The in-process broker keeps a
``queue.Queue`` per queue and a list of dead messages per queue; it is read directly.

Both readers give the same answers to ``portal.operations`` (the ``operations`` extension), so
the operations page and the Prometheus collector do not know which broker runs.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from dramatiq import Message, Middleware
from dramatiq.common import dq_name, xq_name

from jobs import context
from jobs.events import consumers_of
from portal import clock, events, operations
from portal.db import db

log = logging.getLogger(__name__)

# Options a retried message starts afresh without: a new try, a new backoff.
_FRESH = ("redis_message_id", "retries", "traceback", "requeue_timestamp", "eta")


@dataclass(frozen=True)
class QueueState:
    name: str
    waiting: int
    in_progress: int  # fetched by a worker, not acknowledged yet
    delayed: int  # retries waiting for their backoff (and messages sent with a delay)
    dead: int
    oldest_waiting_at: datetime | None  # when the oldest waiting message became due

    def oldest_waiting_age(self, now_seconds: float) -> float:
        if self.oldest_waiting_at is None:
            return 0.0
        return max(now_seconds - self.oldest_waiting_at.timestamp(), 0.0)


@dataclass(frozen=True)
class DeadLetter:
    queue: str
    key: str  # what retry/discard name it by
    actor: str
    args: str
    retries: int
    failed_at: datetime | None
    traceback: str

    @property
    def error(self) -> str:
        """The traceback's last line: the exception and its message."""
        lines = [line for line in self.traceback.strip().splitlines() if line.strip()]
        return lines[-1] if lines else ""


def _moment(millis) -> datetime | None:
    return None if not millis else datetime.fromtimestamp(int(millis) / 1000, UTC)


def _due_since(message: Message) -> datetime | None:
    # A retry moved back from the delay queue keeps its first send's timestamp: it has been
    # waiting since its backoff ended (its eta), not since then.
    return _moment(max(message.message_timestamp or 0, message.options.get("eta") or 0))


def _dead_letter(queue: str, key: str, message: Message, died_at_millis=None) -> DeadLetter:
    args = ", ".join([repr(a) for a in message.args] + [f"{k}={v!r}" for k, v in message.kwargs.items()])
    return DeadLetter(
        queue=queue, key=key, actor=message.actor_name, args=args[:300],
        retries=int(message.options.get("retries") or 0),
        failed_at=_moment(died_at_millis or message.options.get("requeue_timestamp")),
        traceback=str(message.options.get("traceback") or ""),
    )


def _fresh(message: Message) -> Message:
    """The dead message as a new first try, on its own queue, stamped now."""
    options = {k: v for k, v in message.options.items() if k not in _FRESH}
    return Message(queue_name=message.queue_name.removesuffix(".DQ"), actor_name=message.actor_name,
                   args=message.args, kwargs=message.kwargs, options=options,
                   message_id=message.message_id, message_timestamp=int(clock.epoch_seconds() * 1000))


class _Queues:
    def __init__(self, broker):
        self.broker = broker

    def names(self) -> list[str]:
        return sorted(q for q in self.broker.get_declared_queues() if not q.endswith((".DQ", ".XQ")))

    def consumers_of(self, event_name: str) -> list[str]:
        return consumers_of(event_name)

    def resend(self, event_name: str) -> int:
        """Re-send now every unconfirmed event named ``event_name``; how many."""
        from jobs.relay import send_again

        pending = [(event_id, name) for event_id, name in events.unconfirmed(created_before=clock.now())
                   if name == event_name]
        send_again(pending)
        return len(pending)

    def retry_all(self, queue: str) -> int:
        return sum(self.retry(queue, key) for key in self._dead_keys(queue))

    def discard_all(self, queue: str) -> int:
        return sum(self.discard(queue, key) for key in self._dead_keys(queue))


class RedisQueues(_Queues):
    """Production: read the RedisBroker's keys (two round trips for the whole overview)."""

    def _key(self, name: str) -> str:
        return f"{self.broker.namespace}:{name}"

    def queues(self) -> list[QueueState]:
        names = self.names()
        pipe = self.broker.client.pipeline(transaction=False)
        for q in names:
            pipe.llen(self._key(q))
            pipe.hlen(self._key(q) + ".msgs")
            pipe.hlen(self._key(dq_name(q)) + ".msgs")
            pipe.zcard(self._key(xq_name(q)))
            pipe.lindex(self._key(q), 0)
        counts = pipe.execute()
        heads = {}
        pipe = self.broker.client.pipeline(transaction=False)
        for i, q in enumerate(names):
            head = counts[i * 5 + 4]
            if head is not None:
                heads[q] = True
                pipe.hget(self._key(q) + ".msgs", head)
        head_data = iter(pipe.execute() if heads else [])
        states = []
        for i, q in enumerate(names):
            waiting, stored, delayed, dead, _ = counts[i * 5:i * 5 + 5]
            oldest = None
            if q in heads:
                data = next(head_data)
                oldest = _due_since(Message.decode(data)) if data else None
            states.append(QueueState(q, waiting, max(stored - waiting, 0), delayed, dead, oldest))
        return states

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        """The latest ``limit`` dead messages of each queue, newest first."""
        client = self.broker.client
        pipe = client.pipeline(transaction=False)
        names = self.names()
        for q in names:
            pipe.zrevrange(self._key(xq_name(q)), 0, limit - 1, withscores=True)
        ranked = pipe.execute()
        pipe = client.pipeline(transaction=False)
        for q, members in zip(names, ranked):
            pipe.hmget(self._key(xq_name(q)) + ".msgs", [m for m, _ in members]) if members else pipe.echo("")
        datas = pipe.execute()
        letters = []
        for q, members, data in zip(names, ranked, datas):
            for (member, score), raw in zip(members, data or []):
                if raw:
                    letters.append(_dead_letter(q, member.decode(), Message.decode(raw), score))
        return sorted(letters, key=lambda d: d.failed_at or datetime.min.replace(tzinfo=UTC), reverse=True)

    def _dead_keys(self, queue: str) -> list[str]:
        return [m.decode() for m in self.broker.client.zrange(self._key(xq_name(queue)), 0, -1)]

    def _take(self, queue: str, key: str) -> bytes | None:
        """Remove one dead message; its data, or None when someone else took it first (the
        ZREM's answer is the lock: of two racing clicks one gets the message)."""
        xq = self._key(xq_name(queue))
        data = self.broker.client.hget(xq + ".msgs", key)
        if not self.broker.client.zrem(xq, key):
            return None
        self.broker.client.hdel(xq + ".msgs", key)
        return data

    def retry(self, queue: str, key: str) -> bool:
        if queue not in self.names():
            return False
        data = self._take(queue, key)
        if data is None:
            return False
        self.broker.enqueue(_fresh(Message.decode(data)))
        return True

    def discard(self, queue: str, key: str) -> bool:
        return queue in self.names() and self._take(queue, key) is not None


class InProcessQueues(_Queues):
    """The embedded mode and the tests: read the stub broker's queues in this process."""

    _lock = threading.Lock()

    def queues(self) -> list[QueueState]:
        states = []
        for q in self.names():
            queue = self.broker.queues[q]
            with queue.mutex:
                items = list(queue.queue)
                unfinished = queue.unfinished_tasks
            oldest = _due_since(Message.decode(items[0])) if items else None
            states.append(QueueState(
                q, len(items), max(unfinished - len(items), 0), self.broker.queues[dq_name(q)].qsize(),
                len(self.broker.dead_letters_by_queue.get(q, [])), oldest))
        return states

    def dead_letters(self, limit: int) -> list[DeadLetter]:
        letters = []
        with self._lock:
            for q in self.names():
                for proxy in self.broker.dead_letters_by_queue.get(q, [])[-limit:]:
                    letters.append(_dead_letter(q, proxy.message_id, proxy._message))
        return sorted(letters, key=lambda d: d.failed_at or datetime.min.replace(tzinfo=UTC), reverse=True)

    def _dead_keys(self, queue: str) -> list[str]:
        with self._lock:
            return [m.message_id for m in self.broker.dead_letters_by_queue.get(queue, [])]

    def _take(self, queue: str, key: str) -> Message | None:
        with self._lock:
            dead = self.broker.dead_letters_by_queue.get(queue, [])
            for i, proxy in enumerate(dead):
                if proxy.message_id == key:
                    del dead[i]
                    return proxy._message
        return None

    def retry(self, queue: str, key: str) -> bool:
        message = self._take(queue, key)
        if message is None:
            return False
        self.broker.enqueue(_fresh(message))
        return True

    def discard(self, queue: str, key: str) -> bool:
        return self._take(queue, key) is not None


def for_broker(broker) -> _Queues:
    from dramatiq.brokers.stub import StubBroker

    return InProcessQueues(broker) if isinstance(broker, StubBroker) else RedisQueues(broker)


class KeepLastError(Middleware):
    """Redis: a message dead-letters with the data it was enqueued with, which lacks the error
    that killed it (the retries middleware writes it on the message in memory). Write it back
    just before the nack moves the data to the dead-letter queue, so the page can show it."""

    def before_nack(self, broker, message):
        client = getattr(broker, "client", None)
        redis_id = message.options.get("redis_message_id")
        if client is None or redis_id is None:
            return
        stored = f"{broker.namespace}:{message.queue_name}.msgs"
        try:
            if client.hexists(stored, redis_id):
                client.hset(stored, redis_id, message._message.encode())
        except Exception:  # noqa: BLE001 - the dead letter is kept all the same, without its error
            log.warning("could not keep the error of dead message %s", message.message_id, exc_info=True)


class WorkerBeats(Middleware):
    """Each worker records a heartbeat in the database every ``operations.BEAT_EVERY`` (host:pid),
    so every web process sees which workers are alive, whatever the broker."""

    _count = 0
    _count_lock = threading.Lock()

    def __init__(self):
        self._beating: dict[int, tuple[threading.Event, threading.Thread, str]] = {}

    def after_worker_boot(self, broker, worker):
        with self._count_lock:
            WorkerBeats._count += 1
            n = WorkerBeats._count
        # Several workers in one process (tests) each get their own row.
        identity = operations.this_process() + ("" if n == 1 else f"/{n}")
        stop = threading.Event()
        thread = threading.Thread(target=self._beat, args=(identity, stop), name="worker-beats", daemon=True)
        self._beating[id(worker)] = (stop, thread, identity)
        thread.start()

    def before_worker_shutdown(self, broker, worker):
        beating = self._beating.pop(id(worker), None)
        if beating is None:
            return
        stop, thread, identity = beating
        stop.set()
        thread.join(timeout=10)
        self._in_app(operations.forget, operations.WORKER, identity)

    def _beat(self, identity: str, stop: threading.Event) -> None:
        while not stop.is_set():
            self._in_app(operations.beat, operations.WORKER, identity)
            stop.wait(operations.BEAT_EVERY.total_seconds())

    @staticmethod
    def _in_app(fn, *args) -> None:
        try:
            with context.get_app().app_context():
                try:
                    fn(*args)
                finally:
                    db.session.remove()
        except Exception:  # noqa: BLE001 - a missed beat shows on the page; the worker goes on
            log.warning("worker heartbeat not recorded", exc_info=True)
