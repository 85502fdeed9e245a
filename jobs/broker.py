"""The Dramatiq broker, chosen before any actor is declared.

``REDIS_URL`` set → Redis (production, CI). Unset → an in-process stub broker that a
real ``dramatiq.Worker`` consumes in threads (the embedded mode and most tests).
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AgeLimit, Callbacks, Pipelines, Retries, ShutdownNotifications, TimeLimit

from jobs.telemetry import JobMetrics, RequestIds

REDIS_URL = os.environ.get("REDIS_URL") or None
# Deployments (or test runs) sharing one Redis keep their queues apart by namespace.
REDIS_NAMESPACE = os.environ.get("JOBS_REDIS_NAMESPACE", "dramatiq")
# Backoff between retries of a failing actor; tests shorten it.
MIN_BACKOFF_MS = int(os.environ.get("JOBS_MIN_BACKOFF_MS", "5000"))
MAX_BACKOFF_MS = int(os.environ.get("JOBS_MAX_BACKOFF_MS", "300000"))


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


def _build() -> dramatiq.Broker:
    if REDIS_URL:
        import redis
        from dramatiq.brokers.redis import RedisBroker

        # Measured (ARCHITECTURE.md): with the defaults a killed worker's messages were
        # not redelivered for minutes. Here a worker silent for 15 s counts as dead, and
        # the maintenance that puts its messages back runs on ~1 in 100 broker calls
        # (the chance is per million; the default 1000 is 1 in 1000).
        # Timeouts: a request relaying events after its commit must not hang on an
        # unreachable Redis; the sweep sends them later.
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5, socket_timeout=15)
        return RedisBroker(
            client=client, namespace=REDIS_NAMESPACE, middleware=_middleware(), heartbeat_timeout=15_000,
            maintenance_chance=10_000, dead_message_ttl=7 * 24 * 3600 * 1000,
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
