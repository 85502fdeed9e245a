"""Quality control consumers and the sampler.

Consumers open cases from the order's events (idempotent per order and reason); the
sampler, on the schedule, opens cases for the configured share of completed orders.
"""

from __future__ import annotations

import logging

import dramatiq

from jobs.events import consumer
from portal import quality

log = logging.getLogger(__name__)


@consumer("order.finished")
def open_case_for_bad_end(payload: dict, event_id: str) -> None:
    """Remember the finished order; a cancelled or failed one gets a case (QC-1)."""
    quality.record_finished(payload)


@consumer("problem.reported")
def open_case_for_problem(payload: dict, event_id: str) -> None:
    """The client reported a problem: a case (QC-1)."""
    quality.record_problem(payload)


@dramatiq.actor(queue_name="schedule", max_retries=0)
def sample_completed_orders() -> None:
    """Every few minutes: open cases for the sampling rate's share of newly completed orders (QC-2)."""
    opened = quality.sample_completed_orders()
    if opened:
        log.info("quality sampling opened %d cases", opened)
