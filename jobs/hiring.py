"""Hiring: the people side of ``applicant.accepted`` creates the worker account.

Runs once per event (the consumer record); should it run again anyway, people's unique
email refuses a second account and the application notes why.
"""

from __future__ import annotations

import logging

from jobs.events import consumer
from portal import applicants, people
from portal.errors import DomainError

log = logging.getLogger(__name__)


@consumer("applicant.accepted")
def create_worker(payload: dict, event_id: str) -> None:
    """Make the worker (name, age, breed, fur colour, photo, characteristics) and email a password link."""
    application_id = payload["application_id"]
    try:
        worker = people.add_worker(
            payload["email"], payload["name"], payload["language"], age=payload["age"],
            breed=payload["breed"], fur_colour=payload["fur_colour"],
            photo=applicants.hired_photo(application_id), strengths=payload["strengths"],
            weaknesses=payload["weaknesses"], about=payload.get("about", ""),
        )
    except DomainError as exc:
        # An account with this email exists already: a retry must not make a second one,
        # and hiring must not stall: managers see why on the application.
        log.warning("applicant %s not made a worker: %s", application_id, exc.message)
        applicants.record_hired(application_id, None, problem=exc.message)  # kept as a code
        return
    applicants.record_hired(application_id, worker.id)
