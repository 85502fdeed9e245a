"""The broker's queues: an event sent after a quiet spell is picked up at once, and the
operations guide's split of the workers leaves no queue without a consumer."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import dramatiq
import pytest

from jobs.broker import IDLE_POLL_MS, broker

on_redis = pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"),
                              reason="polling is the Redis consumer's (in-process, a queue wakes its consumer)")


def _picked_up_after_quiet_spell(queue: str) -> float:
    """Milliseconds from sending a message to the queue's consumer having it, when the
    message is sent while the consumer sleeps after a quiet spell (the worst case)."""
    consumer = broker.consume(queue, timeout=1000)  # Dramatiq's default worker timeout
    try:
        for _ in range(8):  # nothing to fetch: the backoff grows past 0.3 s, or to the cap
            assert next(consumer) is None
        sent = []
        message = dramatiq.Message(queue_name=queue, actor_name="quiet_spell", args=(), kwargs={}, options={})
        # Sent 20 ms into the sleep that follows the next empty fetch.
        timer = threading.Timer(0.02, lambda: sent.append((broker.enqueue(message), time.monotonic())))
        timer.start()
        while (received := next(consumer)) is None:
            pass
        picked_up = time.monotonic()
        consumer.ack(received)
        timer.join()
        return 1000 * (picked_up - sent[0][1])
    finally:
        consumer.close()


@on_redis
def test_an_event_after_a_quiet_spell_waits_at_most_the_idle_poll(app):
    """An order's effects (its event's consumers, its emails) start within a tenth of a second
    of the commit, however long nothing happened before (bench/finished.py at 2 orders/s)."""
    latency_ms = _picked_up_after_quiet_spell("events")
    assert latency_ms < IDLE_POLL_MS + 100, f"the event was picked up after {latency_ms:.0f} ms"


@on_redis
def test_other_queues_keep_dramatiqs_longer_backoff(app):
    """The contrast that shows the test above measures the backoff: a queue nobody waits on
    (the schedule's) still sleeps up to a second while idle, sparing CPU."""
    latency_ms = _picked_up_after_quiet_spell("schedule")
    assert latency_ms > IDLE_POLL_MS + 100, f"picked up after {latency_ms:.0f} ms: polled as often as events"


def test_the_operations_guides_dedicated_workers_consume_every_queue():
    """docs/operations.md splits the workers by queue; a queue it leaves out (the warehouse's
    was) would never be consumed in a deployment that follows it."""
    queues = {actor.queue_name for actor in broker.actors.values() if actor.fn.__module__.startswith("jobs.")}
    guide = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    split = re.search(r"run dedicated workers with `--queues ([^`]+)` and `--queues ([^`]+)`", guide)
    assert split, "the guide no longer splits the workers by queue: update this test"
    named = set(split.group(1).split()) | set(split.group(2).split())
    assert queues <= named, f"no dedicated worker consumes {sorted(queues - named)}"
