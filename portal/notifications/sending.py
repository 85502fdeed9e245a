"""Render emails in the recipient's language; deliver them over SMTP with retries."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import func, select

from portal import clock
from portal.db import db, transaction
from portal.events import publish
from portal.notifications.models import Email

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Delivery:
    state: str
    retry_in: timedelta | None = None


def queue_email(to: str, template: str, language: str, **context) -> Email:
    """Render ``templates/emails/<template>.*`` and queue it in the current transaction."""
    with force_locale(language):
        subject = render_template(f"emails/{template}.subject.txt", **context).strip()
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", subject=subject, **context)
    with transaction():
        email = Email(
            to=to, language=language, template=template, subject=subject, text_body=text,
            html_body=html, state="queued", attempts=0, created_at=clock.now(),
            next_attempt_at=clock.now(),
        )
        db.session.add(email)
        db.session.flush()
        publish("email.queued", {"email_id": email.id})
    return email


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: base × 4^(attempts-1), e.g. 30 s, 2 min, 8 min, 32 min."""
    base = current_app.config["EMAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=base * 4 ** max(attempts - 1, 0))


def _smtp_send(email: Email) -> None:
    cfg = current_app.config
    msg = EmailMessage()
    msg["Subject"] = email.subject
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = email.to
    msg["Message-ID"] = make_msgid(idstring=f"mcf-{email.id}")
    msg.set_content(email.text_body)
    msg.add_alternative(email.html_body, subtype="html")
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USER"]:
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"] or "")
        smtp.send_message(msg)


def deliver_email(email_id: int) -> Delivery:
    """Send one queued email. Safe to call twice: only queued or retrying emails go out."""
    with transaction():
        email = db.session.scalar(select(Email).where(Email.id == email_id).with_for_update())
        if email is None or email.state not in ("queued", "retrying"):
            return Delivery(email.state if email else "missing")
        if not current_app.config["SMTP_HOST"]:
            email.state, email.sent_at, email.next_attempt_at = "kept", clock.now(), None
            return Delivery("kept")
        email.attempts += 1
        try:
            _smtp_send(email)
        except (smtplib.SMTPException, OSError) as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.state, email.next_attempt_at = "failed", None
                current_app.logger.warning("email %s failed for good: %s", email.id, email.last_error)
                return Delivery("failed")
            wait = backoff(email.attempts)
            email.state, email.next_attempt_at = "retrying", clock.now() + wait
            return Delivery("retrying", wait)
        email.state, email.sent_at, email.next_attempt_at = "sent", clock.now(), None
        email.last_error = None
        return Delivery("sent")


def emails_due(limit: int = 200) -> list[int]:
    """Retrying emails whose next try is due (the sweep's safety net if a wake-up was lost)."""
    return list(db.session.scalars(
        select(Email.id).where(Email.state == "retrying", Email.next_attempt_at <= clock.now())
        .order_by(Email.next_attempt_at).limit(limit)
    ))


def list_emails(state: str | None, query: str, page: int, per_page: int = 25):
    stmt = select(Email)
    if state:
        stmt = stmt.where(Email.state == state)
    q = (query or "").strip().lower()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(func.lower(Email.to).like(like) | func.lower(Email.subject).like(like))
    return db.paginate(stmt.order_by(Email.id.desc()), page=page, per_page=per_page, error_out=False)


def get_email(email_id: int) -> Email | None:
    return db.session.get(Email, email_id)


def counts_by_state() -> dict[str, int]:
    return dict(db.session.execute(select(Email.state, func.count(Email.id)).group_by(Email.state)).all())
