"""What the broker adds to every message: the request id it carries, and the job's metrics.

The one place where a request id crosses the broker: a message enqueued while a request (or
a job) is running takes that request's id in its options, and the job that handles it logs
under the same id, with its actor and message id. So a booking's id is found in the lines
of the events, emails and jobs it caused, however many hops away.
"""

from __future__ import annotations

import logging
import threading
import time

from dramatiq import Middleware

from portal import logs, metrics

log = logging.getLogger("jobs")

REQUEST_ID = "request_id"  # the message option


class RequestIds(Middleware):
    """Stamp the current request id on enqueued messages; restore it while one is handled."""

    def __init__(self):
        self._state = threading.local()

    def before_enqueue(self, broker, message, delay):
        rid = logs.request_id()
        # A retry or a delayed message keeps the id it was first sent with.
        if rid and REQUEST_ID not in message.options:
            message.options[REQUEST_ID] = rid

    def before_process_message(self, broker, message):
        self._state.before = logs.bind(
            request_id=message.options.get(REQUEST_ID), actor=message.actor_name, message_id=message.message_id,
        )

    def _restore(self):
        before = getattr(self._state, "before", None)
        if before is not None:
            logs.restore(before)
            self._state.before = None

    def after_process_message(self, broker, message, *, result=None, exception=None):
        self._restore()

    def after_skip_message(self, broker, message):
        self._restore()


class JobMetrics(Middleware):
    """Count each handled message by actor and outcome, time it, and log one line for it.

    Listed after ``RequestIds``: Dramatiq calls the ``after_*`` hooks in reverse order, so
    the line is written while the request id is still bound.
    """

    def __init__(self):
        self._state = threading.local()

    def before_process_message(self, broker, message):
        self._state.began = time.perf_counter()

    def after_process_message(self, broker, message, *, result=None, exception=None):
        began = getattr(self._state, "began", None)
        seconds = time.perf_counter() - began if began is not None else 0.0
        outcome = "failed" if exception is not None else "succeeded"
        metrics.jobs.labels(message.actor_name, message.queue_name, outcome).inc()
        metrics.job_duration.labels(message.actor_name, message.queue_name).observe(seconds)
        ms = round(seconds * 1000, 1)
        log.log(
            logging.WARNING if exception is not None else logging.INFO,
            "%s %s in %s ms", message.actor_name, outcome, ms,
            extra={"queue": message.queue_name, "outcome": outcome, "duration_ms": ms,
                   "retries": message.options.get("retries", 0)},
        )

    def after_skip_message(self, broker, message):
        metrics.jobs.labels(message.actor_name, message.queue_name, "skipped").inc()
        log.warning("%s skipped", message.actor_name, extra={"queue": message.queue_name, "outcome": "skipped"})
