"""Outbox → broker: at once after commit, and again by the sweep for anything unconfirmed."""

from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq
from flask import current_app

from jobs.events import close_event, consumers_of, handle_event
from portal import events, notifications
from portal.db import db

log = logging.getLogger(__name__)


def send_event(event_id: str, name: str) -> None:
    names = consumers_of(name)
    if not names:
        close_event.send(event_id, name)
    for consumer_name in names:
        handle_event.send(event_id, consumer_name)


def relay(pending: list[tuple[str, str]]) -> None:
    """Called after a commit: hand the new events to the broker.

    Never raises: if the broker is unreachable the sweep sends them later.
    """
    for event_id, name in pending:
        try:
            send_event(event_id, name)
        except Exception:  # noqa: BLE001 - the sweep repairs this
            log.warning("relay could not send %s %s; the sweep will", name, event_id, exc_info=True)


@dramatiq.actor(queue_name="schedule", max_retries=0)
def sweep_outbox() -> None:
    """Re-send events nobody confirmed after ~30 s, and wake emails whose retry is due."""
    older = timedelta(seconds=current_app.config["OUTBOX_RESEND_AFTER"])
    due = [(ev.id, ev.name) for ev in events.due_for_resend(older)]
    db.session.commit()
    for event_id, name in due:
        send_event(event_id, name)
    if due:
        log.info("outbox sweep re-sent %d events", len(due))
    from jobs.notifications import deliver

    for email_id in notifications.emails_due():
        deliver.send(email_id)
