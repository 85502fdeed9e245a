"""Order jobs: retry matching for waiting orders, the no-show sweep, and the kit's hand-over."""

from __future__ import annotations

import logging
from datetime import datetime

import dramatiq

from jobs.events import consumer
from portal import orders

log = logging.getLogger(__name__)


@dramatiq.actor(queue_name="schedule", max_retries=0)
def retry_matching() -> None:
    """Every few minutes: try again to find a worker for each order still waiting (CL-3);
    one still waiting at its start ends (no worker found) instead of waiting for ever."""
    assigned = [order_id for order_id in orders.waiting_order_ids() if orders.match_order(order_id)]
    if assigned:
        log.info("matching retry assigned %d orders", len(assigned))
    expired = orders.expire_unmatched_orders()
    if expired:
        log.info("matching retry ended %d orders nobody was found for", len(expired))


@dramatiq.actor(queue_name="schedule", max_retries=0)
def sweep_no_shows() -> None:
    """Every minute: fail assigned orders nobody checked in to 30 minutes after the start (WK-4)."""
    failed = orders.fail_no_shows()
    if failed:
        log.info("no-show sweep failed %d orders", len(failed))


@consumer("kit.issued")
def note_kit_issued(payload: dict, event_id: str) -> None:
    """The warehouse issued the order's kit: the order's timeline shows who and when."""
    orders.record_kit_issued(payload["order_id"], payload["issued_by"],
                             datetime.fromisoformat(payload["issued_at"]))
