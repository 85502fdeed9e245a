"""Email delivery jobs."""

from __future__ import annotations

import dramatiq

from jobs.events import afterwards, consumer
from portal import notifications


@consumer("email.queued")
def send_queued_email(payload: dict, event_id: str) -> None:
    """A new email: delivered in this same message, once the event's transaction has committed.

    Not inside it: a delivery commits its own steps and must not hold that transaction open
    while the SMTP server talks. Not in a message of its own either: that message cost as
    much as the delivery's bookkeeping (bench/finished.py). Should this message die before
    the delivery, the sweep finds the email still queued (``emails_due``) and delivers it.
    """
    email_ids = [payload["email_id"]]
    afterwards(lambda: deliver_now(email_ids))


@consumer("emails.queued")
def send_queued_emails(payload: dict, event_id: str) -> None:
    """The emails one transaction queued (an ended order's to its client and its worker, a
    chunk of the weekly run's outcomes): delivered together in this same message once its
    transaction has committed, over this thread's SMTP connection. An email not reached
    (the message died) is found still queued by the emails' sweep, as a single one would be."""
    email_ids = list(payload["email_ids"])
    afterwards(lambda: deliver_now(email_ids))


def deliver_now(email_ids: list[int]) -> None:
    """Try to send these emails; one the server refused wakes up again when its retry is due.

    The sweep (jobs.relay) also wakes due emails, in case this wake-up is lost.
    """
    for email_id, result in notifications.deliver_emails(email_ids).items():
        if result.retry_in is not None:
            deliver.send_with_options(args=(email_id,), delay=int(result.retry_in.total_seconds() * 1000))


class SmtpConnections(dramatiq.Middleware):
    """Each worker thread keeps its SMTP connection between emails; it says goodbye to the
    server when the thread stops."""

    def before_worker_thread_shutdown(self, broker, thread):
        notifications.close_smtp_connection()


@dramatiq.actor(queue_name="email", max_retries=3)
def deliver(email_id: int) -> None:
    """Try to send one email (a retry, or one the sweep found waiting)."""
    deliver_now([email_id])
