"""The Dramatiq broker, chosen before any actor is declared.

``REDIS_URL`` set → Redis (production, CI). Unset → an in-process stub broker that a
real ``dramatiq.Worker`` consumes in threads (the embedded mode and most tests).
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from jobs.telemetry import JobMetrics, RequestIds

REDIS_URL = os.environ.get("REDIS_URL") or None
# Deployments (or test runs) sharing one Redis keep their queues apart by namespace.
REDIS_NAMESPACE = os.environ.get("JOBS_REDIS_NAMESPACE", "dramatiq")
# Backoff between retries of a failing actor; tests shorten it.
MIN_BACKOFF_MS = int(os.environ.get("JOBS_MIN_BACKOFF_MS", "5000"))
MAX_BACKOFF_MS = int(os.environ.get("JOBS_MAX_BACKOFF_MS", "300000"))
# A worker process silent this long counts as dead and its unfinished messages go to others.
# Every live worker calls Redis at least once a second per queue, so 15 s is never a slow one.
HEARTBEAT_MS = 15_000
# Out of a million broker calls, how many check for dead workers: all of them (see _build).
MAINTENANCE_CHANCE = 1_000_000
# The longest an idle consumer of the events queue sleeps before asking Redis again. Dramatiq
# backs off up to the worker's timeout (1 s unless set), so the first event after a quiet spell
# waited up to a second for a worker to look (bench/finished.py at 2 orders/s: p95 0.38-0.46 s
# from commit to every effect; 62-65 ms with this). Only that queue: someone is waiting for its
# work, and polling costs CPU (two idle processes: 2.1 % of a core instead of 1.3 %; 5-7 %
# with every queue polled so).
PROMPT_QUEUES = frozenset({"events"})
IDLE_POLL_MS = 100


def _middleware() -> list:
    return [
        AgeLimit(),
        TimeLimit(time_limit=10 * 60 * 1000),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS, max_retries=20),
        RequestIds(),  # before JobMetrics: its after-hook logs while the request id is bound
        JobMetrics(),
    ]


class _Redis(RedisBroker):
    """Dramatiq's Redis broker, whose consumers of ``PROMPT_QUEUES`` never sleep longer than
    ``IDLE_POLL_MS``."""

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000):
        if queue_name in PROMPT_QUEUES:
            timeout = min(timeout, IDLE_POLL_MS)
        return super().consume(queue_name, prefetch, timeout)


def _build() -> dramatiq.Broker:
    if REDIS_URL:
        import redis

        # A killed worker's messages stay in its ack set until a "maintenance" pass sees its
        # heartbeat older than HEARTBEAT_MS and puts them back. Dramatiq runs that pass inside
        # a broker call with a chance per million, and only for that call's queue; idle
        # consumers call about once a second per queue, so the default (1 in 1000) left
        # messages for minutes, and 1 in 100 for ~42 s (measured). Run it on every call: it
        # is two sorted-set range reads in the script each call runs anyway, and then the
        # messages are back within a second or two of the heartbeat timeout
        # (tests/scaleout measures it; docs/operations.md, "When a job process dies").
        # Timeouts: a request relaying events after its commit must not hang on an
        # unreachable Redis; the sweep sends them later.
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5, socket_timeout=15)
        return _Redis(
            client=client, namespace=REDIS_NAMESPACE, middleware=_middleware(), heartbeat_timeout=HEARTBEAT_MS,
            maintenance_chance=MAINTENANCE_CHANCE, dead_message_ttl=7 * 24 * 3600 * 1000,
        )
    return StubBroker(middleware=_middleware())


broker = _build()
dramatiq.set_broker(broker)


def is_in_process() -> bool:
    return isinstance(broker, StubBroker)


def ping() -> bool:
    if is_in_process():
        return True
    return bool(broker.client.ping())
