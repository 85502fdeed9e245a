"""Housekeeping of accounts."""

from __future__ import annotations

import dramatiq

from portal import people, runs


@dramatiq.actor(queue_name="schedule", max_retries=3)
def purge_sessions(run_id: int) -> None:
    """Daily: forget expired sign-in sessions and old login failures."""
    with runs.executing(run_id) as run:
        if run is None:  # done, or another execution has it
            return
        run.plan(1)
        people.purge_expired()
