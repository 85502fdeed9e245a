"""The operations page's numbers for Prometheus, read afresh at each scrape.

A custom collector rather than gauges set by the code: the numbers live in the broker and the
database, and every web process must report the same ones. Register it into the /metrics
registry: ``registry.register(OperationsCollector(app))``.
"""

from __future__ import annotations

import logging

from prometheus_client.core import GaugeMetricFamily

from portal import clock, operations

log = logging.getLogger(__name__)


class OperationsCollector:
    """Queue depths, the oldest waiting message's age, the outbox's lag, the scheduler's lag and
    the workers alive (``mcf_`` metrics)."""

    def __init__(self, app):
        self.app = app

    def describe(self):
        # Without describe() prometheus_client would collect once at registration, reading
        # the broker and the database at import time.
        return []

    def collect(self):
        from flask import current_app, has_app_context

        from portal.db import db

        # The scraping app's, when scraped (another app built later in this process must not
        # answer for it); ours when collected outside a request (a test's own registry).
        app = current_app._get_current_object() if has_app_context() else self.app
        with app.app_context():
            try:
                yield from self._queues()
                yield from self._database()
            finally:
                db.session.remove()

    def _queues(self):
        up = GaugeMetricFamily("mcf_jobs_broker_up", "1 when the job broker answered this scrape, else 0")
        depth = GaugeMetricFamily("mcf_jobs_queue_messages", "Messages in a job queue, by state",
                                  labels=["queue", "state"])
        oldest = GaugeMetricFamily("mcf_jobs_queue_oldest_waiting_seconds",
                                   "Age of the oldest message waiting in a job queue (0 when none waits)",
                                   labels=["queue"])
        try:
            queues = operations.backend().queues()
        except Exception:  # noqa: BLE001 - a scrape reports the broker down rather than failing
            log.warning("operations metrics: the broker did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        now = clock.epoch_seconds()
        for q in queues:
            for state in ("waiting", "in_progress", "delayed", "dead"):
                depth.add_metric([q.name, state], getattr(q, state))
            oldest.add_metric([q.name], q.oldest_waiting_age(now))
        yield from (up, depth, oldest)

    def _database(self):
        now = clock.now()
        lag = GaugeMetricFamily("mcf_outbox_lag_seconds", "Age of the oldest unconfirmed event, by event name",
                                labels=["event"])
        unconfirmed = GaugeMetricFamily("mcf_outbox_unconfirmed_events", "Events not confirmed by every consumer yet",
                                        labels=["event"])
        for event in operations.outbox_lag():
            lag.add_metric([event.name], event.age(now).total_seconds())
            unconfirmed.add_metric([event.name], event.count)
        processes = operations.processes()
        scheduler = GaugeMetricFamily(
            "mcf_scheduler_lag_seconds",
            "Seconds since the scheduler's last tick (+Inf when none ever ticked); over 120 it is down")
        scheduler.add_metric([], processes.scheduler_lag.total_seconds() if processes.scheduler else float("inf"))
        workers = GaugeMetricFamily("mcf_jobs_workers_alive", "Job worker processes with a recent heartbeat")
        workers.add_metric([], len(processes.workers))
        yield from (lag, unconfirmed, scheduler, workers)
