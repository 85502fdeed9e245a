from __future__ import annotations

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db

# queued → sending → sent (the SMTP server accepted it)
#                  → retrying → sending → … (refused or unreachable: try again later)
#                  → failed (a permanent refusal, or MAX_ATTEMPTS tries; reason in last_error)
# queued → kept (no SMTP server configured: read it in the managers' mail viewer)
# failed → queued (a manager's "retry" on the operations page: one more try)
#        → discarded (a manager put it aside there)
EMAIL_STATES = ("queued", "sending", "retrying", "sent", "kept", "failed", "discarded")


class Email(db.Model):
    """An outgoing email, rendered in the recipient's language, with its delivery state."""

    __tablename__ = "emails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to: Mapped[str] = mapped_column(String(254), index=True)
    language: Mapped[str] = mapped_column(String(5))
    template: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    sent_at = mapped_column(UTCDateTime, nullable=True)
    # When the sweep should look at it: the next try (retrying), the end of a try's lease
    # (sending), or a grace period for the first hand-off to a worker (queued).
    next_attempt_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_emails_state_next", "state", "next_attempt_at"),
        Index("ix_emails_state_id", "state", "id"),  # the mail list filtered by state, newest first
    )
