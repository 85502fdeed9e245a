"""Order jobs: retry matching for waiting orders, and the no-show sweep."""

from __future__ import annotations

import logging

import dramatiq

from portal import orders

log = logging.getLogger(__name__)


@dramatiq.actor(queue_name="schedule", max_retries=0)
def retry_matching() -> None:
    """Every few minutes: try again to find a worker for each order still waiting (CL-3)."""
    assigned = [order_id for order_id in orders.waiting_order_ids() if orders.match_order(order_id)]
    if assigned:
        log.info("matching retry assigned %d orders", len(assigned))


@dramatiq.actor(queue_name="schedule", max_retries=0)
def sweep_no_shows() -> None:
    """Every minute: fail assigned orders nobody checked in to 30 minutes after the start (WK-4)."""
    failed = orders.fail_no_shows()
    if failed:
        log.info("no-show sweep failed %d orders", len(failed))
