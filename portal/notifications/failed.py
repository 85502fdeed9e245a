"""Emails that failed for good: listed for the operations page, tried again or put aside."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from portal import clock
from portal.db import db, transaction
from portal.events import publish
from portal.notifications.models import Email

# Grace before the sweep picks up a retried email itself, as for a new one (the relay is first).
_QUEUED_GRACE = timedelta(minutes=2)


def failed_emails(limit: int = 20) -> tuple[list[Email], int]:
    """The latest failed emails and how many failed in all (two queries)."""
    rows = list(db.session.scalars(
        select(Email).where(Email.state == "failed").order_by(Email.id.desc()).limit(limit)))
    total = db.session.scalar(select(func.count(Email.id)).where(Email.state == "failed"))
    return rows, total


def retry_failed(email_ids: list[int] | None = None) -> list[int]:
    """Queue failed emails again (all of them when ``email_ids`` is None): one more try each,
    handed to delivery through the outbox like a new email. Returns the ids queued; an email
    no longer failed (retried or discarded by someone else just now) is left alone."""
    now = clock.now()
    with transaction():
        stmt = update(Email).where(Email.state == "failed")
        if email_ids is not None:
            stmt = stmt.where(Email.id.in_(email_ids))
        # The conditional UPDATE is the lock: a racing click finds nothing left in "failed".
        ids = list(db.session.scalars(
            stmt.values(state="queued", next_attempt_at=now + _QUEUED_GRACE).returning(Email.id)
            .execution_options(synchronize_session=False)))
        for email_id in ids:
            publish("email.queued", {"email_id": email_id})
    return ids


def discard_failed(email_ids: list[int] | None = None) -> list[int]:
    """Put failed emails aside (all when ``email_ids`` is None): they stay in the mail viewer
    as "discarded", off the operations page. Returns the ids discarded."""
    with transaction():
        stmt = update(Email).where(Email.state == "failed")
        if email_ids is not None:
            stmt = stmt.where(Email.id.in_(email_ids))
        return list(db.session.scalars(
            stmt.values(state="discarded").returning(Email.id).execution_options(synchronize_session=False)))
