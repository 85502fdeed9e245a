"""Notifications: outgoing emails and their delivery state."""

from portal.notifications.failed import discard_failed, failed_emails, retry_failed
from portal.notifications.models import EMAIL_STATES, Email
from portal.notifications.sending import (
    MAX_ATTEMPTS,
    Delivery,
    close_smtp_connection,
    counts_by_state,
    emails_by_state,
    deliver_email,
    deliver_emails,
    claim_emails,
    send_claimed,
    emails_due,
    get_email,
    list_emails,
    queue_email,
    queued_together,
    render_email,
)

__all__ = [
    "EMAIL_STATES", "Email", "MAX_ATTEMPTS", "Delivery", "close_smtp_connection", "counts_by_state", "emails_by_state", "deliver_email", "deliver_emails", "claim_emails", "send_claimed",
    "emails_due", "get_email", "list_emails", "queue_email", "queued_together", "render_email",
    "failed_emails", "retry_failed", "discard_failed",
]
