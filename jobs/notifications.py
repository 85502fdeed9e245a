"""Email delivery jobs."""

from __future__ import annotations

import dramatiq

from jobs.events import afterwards, consumer
from portal import notifications


@consumer("email.queued")
def send_queued_email(payload: dict, event_id: str) -> None:
    """A new email: claimed in the event's transaction, and sent in this same message once
    that has committed.

    Not inside it: the transaction must not stay open while the SMTP server talks. Not in a
    message of its own either: that message cost as much as the delivery's bookkeeping
    (bench/finished.py). Should this message die before the delivery, the email waits
    "sending" for its lease (``SENDING_LEASE``), and the sweep then delivers it.
    """
    _claim_and_send_after_commit([payload["email_id"]])


@consumer("emails.queued")
def send_queued_emails(payload: dict, event_id: str) -> None:
    """The emails one transaction queued (an ended order's to its client and its worker, a
    chunk of the weekly run's outcomes): claimed in the event's transaction, and sent in this
    same message once that has committed, over this thread's SMTP connection. An email not
    reached (the message died) is found by the emails' sweep, as a single one would be."""
    _claim_and_send_after_commit(list(payload["email_ids"]))


def _claim_and_send_after_commit(email_ids: list[int]) -> None:
    """Claim the emails in the event's transaction; send them once it has committed."""
    claimed = notifications.claim_emails(email_ids)
    afterwards(lambda: _wake_for_retries(notifications.send_claimed(claimed)))


def _wake_for_retries(results: dict) -> None:
    """An email the server refused wakes up again when its retry is due.

    The sweep (jobs.relay) also wakes due emails, in case this wake-up is lost.
    """
    for email_id, result in results.items():
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
    _wake_for_retries(notifications.deliver_emails([email_id]))
