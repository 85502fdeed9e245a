"""Outbox → broker: at once after commit, and again by the sweep for anything unconfirmed."""

from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq
from flask import current_app

from jobs.events import handle_event, handle_events
from portal import events, logs, notifications, runs
from portal.db import db

log = logging.getLogger(__name__)

# Events re-sent per step of a manager's re-send run (one progress update each).
RESEND_CHUNK = 100


def send_event(event_id: str, name: str) -> None:
    """One message for the event, whatever its consumers: they run in one transaction."""
    handle_event.send(event_id)


def send_events(pending: list[tuple[str, str]]) -> None:
    """One message for all the events of one commit: a worker handles them one after another."""
    if len(pending) == 1:
        send_event(*pending[0])
    else:
        handle_events.send([event_id for event_id, _ in pending])


def relay(pending: list[tuple[str, str]]) -> None:
    """Called after a commit: hand the new events to the broker.

    Never raises: if the broker is unreachable the sweep sends them later.
    """
    try:
        send_events(pending)
    except Exception:  # noqa: BLE001 - the sweep repairs this
        log.warning("relay could not send %d events (%s); the sweep will", len(pending),
                    ", ".join(f"{name} {event_id}" for event_id, name in pending), exc_info=True)


def send_again(pending: list[tuple[str, str]]) -> None:
    """Re-send events: noted first (and committed), so a concurrent sweep skips them."""
    ids = [event_id for event_id, _ in pending]
    events.mark_sent(ids)
    db.session.commit()
    published_under = events.request_ids(ids)
    for event_id, name in pending:
        # Its messages carry the id of the action that published it, not the sweep's.
        with logs.bound(request_id=published_under.get(event_id, logs.request_id())):
            send_event(event_id, name)


@dramatiq.actor(queue_name="schedule", max_retries=0)
def sweep_outbox() -> None:
    """Re-send events nobody confirmed after ~30 s, and wake emails whose retry is due."""
    due = events.due_for_resend(timedelta(seconds=current_app.config["OUTBOX_RESEND_AFTER"]))
    send_again(due)
    if due:
        log.info("outbox sweep re-sent %d events", len(due))
    from jobs.notifications import deliver

    for email_id in notifications.emails_due():
        deliver.send(email_id)


@dramatiq.actor(queue_name="schedule", max_retries=0)
def resend_unconfirmed(run_id: int) -> None:
    """A manager's "Re-send unconfirmed events now": every event not done when they
    asked, in steps."""
    with runs.executing(run_id) as run:
        if run is None:  # done, or another execution has it
            return
        # Taken over: what the last execution re-sent is behind; the rest is still unconfirmed.
        pending = events.unconfirmed(created_before=run.created_at)
        before = run.done
        run.plan(before + len(pending))
        for sent in range(0, len(pending), RESEND_CHUNK):
            chunk = pending[sent:sent + RESEND_CHUNK]
            send_again(chunk)
            run.progress(before + sent + len(chunk))
