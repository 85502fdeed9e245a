"""Applicant jobs: the slow half of applying, and the managers' hourly digest.

New applications reach managers as one digest per hour rather than one email each:
about 1 000 a day (and floods on top) would bury every manager's inbox.
"""

from __future__ import annotations

import logging

import dramatiq

from jobs.events import consumer
from portal import applicants

log = logging.getLogger(__name__)


@consumer("applicant.applied")
def check_photo(payload: dict, event_id: str) -> None:
    """Re-encode the photo sent with an application (the request only looked at its first bytes)."""
    applicants.check_photo(payload["photo_id"])


@dramatiq.actor(queue_name="schedule", max_retries=3)
def hourly_digest() -> None:
    """Every hour: score tests whose time ran out, then tell managers about new applications."""
    scored = applicants.finish_overdue()
    mentioned = applicants.notify_managers()
    if scored or mentioned:
        log.info("applicants: %d overdue tests scored, %d applications in the digest", scored, mentioned)
