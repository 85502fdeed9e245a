"""The operations numbers as Prometheus reads them: a fresh registry, the text exposition."""

from __future__ import annotations

import re
from datetime import timedelta

from prometheus_client import CollectorRegistry, generate_latest

from jobs.relay import sweep_outbox
from portal import clock, events, operations
from portal.db import transaction
from tests.jobs.helpers import relay_off


def _scrape(app) -> dict[str, float]:
    registry = CollectorRegistry()
    registry.register(operations.OperationsCollector(app))
    text = generate_latest(registry).decode()
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(mcf_\S+) (\S+)$", text, re.M)}


def test_a_scrape_reports_queues_outbox_lag_scheduler_and_workers(app, db):
    clock.freeze(clock.now())
    with relay_off(), transaction():
        events.publish("test.happened", {})
    sweep_outbox.send()  # waits on the schedule queue: no worker in this test
    operations.beat(operations.SCHEDULER, "cats-1:1")
    operations.beat(operations.WORKER, "cats-1:2")
    clock.advance(timedelta(seconds=90))

    got = _scrape(app)

    assert got["mcf_jobs_broker_up"] == 1
    assert got['mcf_jobs_queue_messages{queue="schedule",state="waiting"}'] == 1
    assert got['mcf_jobs_queue_messages{queue="events",state="dead"}'] == 0
    assert got['mcf_jobs_queue_oldest_waiting_seconds{queue="events"}'] == 0
    assert 'mcf_jobs_queue_oldest_waiting_seconds{queue="schedule"}' in got
    assert got['mcf_outbox_unconfirmed_events{event="test.happened"}'] == 1
    assert got['mcf_outbox_lag_seconds{event="test.happened"}'] == 90
    assert got["mcf_scheduler_lag_seconds"] == 90
    assert got["mcf_jobs_workers_alive"] == 0  # its last beat is older than 30 s


def test_a_scheduler_that_never_ticked_has_an_infinite_lag(app, db):
    got = _scrape(app)
    assert got["mcf_scheduler_lag_seconds"] == float("inf")
    assert got["mcf_jobs_workers_alive"] == 0
    assert not any(name.startswith("mcf_outbox_lag_seconds") for name in got)
