"""Email delivery jobs."""

from __future__ import annotations

import dramatiq

from jobs.events import consumer
from portal import notifications


@consumer("email.queued")
def send_queued_email(payload: dict, event_id: str) -> None:
    """A new email: try it now; schedule a wake-up if the server refused."""
    _try(payload["email_id"])


@dramatiq.actor(queue_name="email", max_retries=3)
def deliver(email_id: int) -> None:
    """A retry whose time has come (or a wake-up from the sweep)."""
    _try(email_id)


def _try(email_id: int) -> None:
    result = notifications.deliver_email(email_id)
    if result.state == "retrying" and result.retry_in is not None:
        deliver.send_with_options(args=(email_id,), delay=int(result.retry_in.total_seconds() * 1000))
