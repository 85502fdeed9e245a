"""Warehouse jobs: open a kit per accepted order, order its fortune cookie from the bakery
(retried with backoff), cancel it with its order, email the worker when it is ready, and
chase overdue cookies."""

from __future__ import annotations

import logging

import dramatiq

from jobs.events import consumer
from portal import warehouse

log = logging.getLogger(__name__)

# The bakery may be down for a while: ~20 tries with backoff growing to JOBS_MAX_BACKOFF_MS
# (5 min in production) span more than an hour; after that the periodic check sends again.
COOKIE_RETRIES = 20


@consumer("order.accepted")
def open_kit(payload: dict, event_id: str) -> None:
    """An order has its worker: the warehouse opens its kit (once, however often the event comes)."""
    warehouse.open_kit(payload)


@consumer("kit.opened")
def order_cookie(payload: dict, event_id: str) -> None:
    """The kit is committed: hand the bakery call to its own actor, outside this transaction."""
    request_cookie.send(payload["kit_id"])


@dramatiq.actor(queue_name="warehouse", max_retries=COOKIE_RETRIES)
def request_cookie(kit_id: int) -> None:
    """Order the kit's fortune cookie from the bakery; a refusal raises and Dramatiq retries."""
    expected_at = warehouse.request_cookie(kit_id, warehouse.configured_bakery())
    if expected_at is not None:
        log.info("cookie for kit %s expected at %s", kit_id, expected_at.isoformat())


@consumer("order.finished")
def cancel_kit(payload: dict, event_id: str) -> None:
    """A cancelled or failed order's kit leaves the working list."""
    if payload["outcome"] in ("cancelled", "failed"):
        warehouse.cancel_kit(payload)


@consumer("kit.ready")
def email_pickup(payload: dict, event_id: str) -> None:
    """Tell the worker where and when to pick up the kit."""
    warehouse.email_pickup(payload["kit_id"])


@dramatiq.actor(queue_name="schedule", max_retries=0)
def chase_cookies() -> None:
    """Every minute: mark cookies late past their expected time; ask again where no answer came."""
    late, unanswered = warehouse.chase_cookies()
    for kit_id in unanswered:
        request_cookie.send(kit_id)
    if late or unanswered:
        log.info("cookies: %d late, %d asked again", len(late), len(unanswered))
