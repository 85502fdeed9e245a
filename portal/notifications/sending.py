"""Render emails in the recipient's language and time zone; deliver them over SMTP with retries."""

from __future__ import annotations

import smtplib
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import Select, or_, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction

from portal import clock
from portal.db import db, transaction
from portal.paging import capped_counts, paginate
from portal.events import publish
from portal.i18n import LANGUAGES, force_zone
from portal.notifications.models import EMAIL_STATES, Email

MAX_ATTEMPTS = 5
# A try cannot outlive the jobs' 10-minute time limit, so an email still "sending" after
# this was interrupted (a killed worker) and may be tried again without sending it twice.
SENDING_LEASE = timedelta(minutes=15)
# How long the hand-off of a new email to a worker may take before the sweep steps in.
QUEUED_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Delivery:
    """What one try came to; ``retry_in`` is when to try again (state "retrying")."""

    state: str
    retry_in: timedelta | None = None


def render_email(template: str, language: str, time_zone: str | None = None,
                 **context) -> tuple[str, str, str]:
    """Subject, plain text and HTML of ``templates/emails/<template>.*`` in ``language``, times
    in ``time_zone`` (None: the portal's)."""
    with force_locale(language), force_zone(time_zone):
        subject = render_template(f"emails/{template}.subject.txt", **context)
        subject = " ".join(subject.split())  # one line, whatever the names in it contain
        text = render_template(f"emails/{template}.txt", **context).strip() + "\n"
        html = render_template(f"emails/{template}.html", subject=subject, **context)
    return subject, text, html


# The emails queued inside ``queued_together`` (None: not inside one).
_together: ContextVar[list[Email] | None] = ContextVar("emails_queued_together", default=None)
# The emails queued in the session's current transaction, announced as it commits.
_QUEUED = "emails_queued"


@contextmanager
def queued_together():
    """Emails queued inside this block (a batch job's chunk) are written in one statement as
    the block ends, instead of a flush each."""
    emails: list[Email] = []
    token = _together.set(emails)
    try:
        yield
    finally:
        _together.reset(token)
    if emails:
        db.session.flush()  # the batch's rows (and whatever else the block changed) together


def queue_email(to: str, template: str, language: str, time_zone: str | None = None,
                **context) -> Email:
    """Render an email for ``to`` in their language and zone (an account's ``time_zone``;
    None: the portal's) and queue it in the current transaction.

    The transaction's emails are announced together as it commits: one ``email.queued``
    event, or one ``emails.queued`` with every id when there are several (an ended order
    tells its client and its worker). Nothing is sent unless the caller commits.
    """
    language = language if language in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]
    subject, text, html = render_email(template, language, time_zone, **context)
    with transaction():
        now = clock.now()
        email = Email(
            to=to, language=language, template=template, subject=subject, text_body=text,
            html_body=html, state="queued", attempts=0, created_at=now,
            next_attempt_at=now + QUEUED_GRACE,
        )
        session = db.session()
        session.add(email)
        session.info.setdefault(_QUEUED, []).append(email)
        batch = _together.get()
        if batch is None:
            session.flush()
        else:
            batch.append(email)
    return email


@sa_event.listens_for(Session, "before_commit")
def _announce_queued_emails(session: Session) -> None:
    """One event for all the emails of the transaction that commits: one message delivers
    them, one after another over its thread's SMTP connection (bench/finished.py)."""
    if session.in_nested_transaction():
        return  # a SAVEPOINT released: the emails wait for the real commit
    # An email added inside a SAVEPOINT that was rolled back has left the session.
    emails = [email for email in session.info.pop(_QUEUED, ()) if email in session]
    if not emails:
        return
    session.flush()
    if len(emails) == 1:
        publish("email.queued", {"email_id": emails[0].id})
    else:
        publish("emails.queued", {"email_ids": [email.id for email in emails]})


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_queued_emails(session: Session, transaction: SessionTransaction) -> None:
    # Over without a commit: its emails were never written.
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: base × 4^(attempts-1), e.g. 30 s, 2 min, 8 min, 32 min."""
    base = current_app.config["EMAIL_RETRY_BASE_SECONDS"]
    return timedelta(seconds=base * 4 ** max(attempts - 1, 0))


def deliver_email(email_id: int) -> Delivery:
    """Try to send one email. Safe to call twice, even at once: only one call sends it.

    Call it outside a transaction (see ``deliver_emails``).
    """
    return deliver_emails([email_id])[email_id]


def deliver_emails(email_ids: list[int]) -> dict[int, Delivery]:
    """Try to send each of these emails, one after another over this thread's connection;
    what each try came to. Only one call sends an email, however many run at once.

    Call it outside a transaction: the emails are claimed ("sending") and committed first,
    so no database lock is held while the SMTP server is talking.
    """
    with transaction():
        claimed = claim_emails(email_ids)
    results = send_claimed(claimed)
    return results | _states([email_id for email_id in email_ids if email_id not in results])


def claim_emails(email_ids: list[int]) -> list:
    """In the current transaction: claim those of these emails that are due for one try (not
    those sent, or being sent), for ``send_claimed`` to send once it has committed. Without
    an SMTP server they are kept for the mail viewer instead, and nothing is left to send.

    A consumer claims its emails in its own transaction: one commit fewer per batch. Should
    its worker die before sending them, they wait "sending" for the lease, then the sweep's
    retry, as a try that was interrupted does.
    """
    if not current_app.config["SMTP_HOST"]:
        _keep(email_ids)
        return []
    return _claim(email_ids)


def send_claimed(claimed: list) -> dict[int, Delivery]:
    """Send the claimed emails, one after another; those sent are recorded together at the
    end, in one statement: two statements for a batch with the claim, not two per email."""
    results: dict[int, Delivery] = {}
    sent = []
    for row in claimed:
        try:
            _smtp_send(_message(row))
        except (smtplib.SMTPException, OSError) as exc:
            results[row.id] = _record_failure(row.id, exc)
        else:
            sent.append(row.id)
    if sent:
        with transaction():
            db.session.execute(
                update(Email).where(Email.id.in_(sent))
                .values(state="sent", sent_at=clock.now(), next_attempt_at=None, last_error=None)
                .execution_options(synchronize_session=False)
            )
        results.update((email_id, Delivery("sent")) for email_id in sent)
    return results


def _claimable(now):
    return or_(Email.state.in_(("queued", "retrying")),
               (Email.state == "sending") & (Email.next_attempt_at <= now))


def _keep(email_ids: list[int]) -> None:
    """No SMTP server: the emails stay in the database for the mail viewer."""
    now = clock.now()
    db.session.execute(
        update(Email).where(Email.id.in_(email_ids), _claimable(now))
        .values(state="kept", sent_at=now, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


# What ``_message`` reads of an email.
_MESSAGE_COLUMNS = (Email.id, Email.to, Email.subject, Email.text_body, Email.html_body, Email.language,
                    Email.created_at)


def _claim(email_ids: list[int]) -> list:
    """Mark those of the emails that are due "sending" for one try; what their messages
    need, in the order asked.

    The conditional UPDATE is the lock: on PostgreSQL a concurrent claim waits for the rows
    and then no longer matches; on SQLite writers are serialised anyway.
    """
    now = clock.now()
    # What the messages need comes back from the claim itself (RETURNING): reading the rows
    # again was a second statement, a sixth of an email's delivery.
    claimed = {row.id: row for row in db.session.execute(
        update(Email).where(Email.id.in_(email_ids), _claimable(now))
        .values(state="sending", attempts=Email.attempts + 1, next_attempt_at=now + SENDING_LEASE)
        .returning(*_MESSAGE_COLUMNS)
        .execution_options(synchronize_session=False)
    )}
    return [claimed[email_id] for email_id in email_ids if email_id in claimed]


def _record_failure(email_id: int, exc: Exception) -> Delivery:
    with transaction():
        email = db.session.get(Email, email_id, populate_existing=True)
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if _is_permanent(exc) or email.attempts >= MAX_ATTEMPTS:
            email.state, email.next_attempt_at = "failed", None
            current_app.logger.warning("email %s failed for good: %s", email.id, email.last_error)
            return Delivery("failed")
        wait = backoff(email.attempts)
        email.state, email.next_attempt_at = "retrying", clock.now() + wait
        return Delivery("retrying", wait)


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer about this email itself (no such mailbox, content refused) will not change.

    Other errors (connection, 4xx, authentication) may be temporary or fixed by the operator.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


def _states(email_ids: list[int]) -> dict[int, Delivery]:
    """Where these emails stand, for those another call has (one query, none for no ids)."""
    if not email_ids:
        return {}
    states = dict(db.session.execute(select(Email.id, Email.state).where(Email.id.in_(email_ids))).all())
    return {email_id: Delivery(states.get(email_id, "missing")) for email_id in email_ids}


def _message(email) -> MIMEMultipart:
    """The email as sent (``email``: an Email, or a row of ``_MESSAGE_COLUMNS``).

    Built with the email package's older API (compat32): ``EmailMessage`` parses every header
    it is given and again as it is written, a third of a worker's CPU per ended order
    (bench/finished.py); these headers are ours and need none of it.
    """
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    domain = address.rpartition("@")[2] or "mcf.invalid"
    msg = MIMEMultipart("alternative")
    msg["Subject"] = email.subject if email.subject.isascii() else Header(email.subject, "utf-8")
    msg["From"] = formataddr((name, address))  # a name in another alphabet is encoded
    msg["To"] = email.to
    msg["Date"] = format_datetime(email.created_at)
    # The same id on every try: if a server took a try we could not record, the copy sent
    # on the next try can be recognised as a duplicate.
    msg["Message-ID"] = f"<email-{email.id}.{int(email.created_at.timestamp())}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies to us
    msg["Content-Language"] = email.language
    msg.attach(MIMEText(email.text_body, "plain", "utf-8"))
    msg.attach(MIMEText(email.html_body, "html", "utf-8"))
    return msg


# One SMTP connection per thread (a job worker's thread sends one email after another),
# kept open between emails: a new connection (TCP, greeting, EHLO, STARTTLS, login) cost
# more than the email itself. Closed by the worker thread's shutdown (jobs.notifications).
_connections = threading.local()


def _smtp_send(msg: Message) -> None:
    """Send over this thread's connection, opening one if needed.

    A kept connection the server has dropped meanwhile (an idle timeout, a restart: it
    answers nothing, or 421) fails before the server took the message, so it is sent
    once more over a new connection. Any other failure closes the connection unless the
    server answered it (a refusal leaves the session usable: smtplib resets it).
    """
    smtp, reused = _connection()
    try:
        smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused:
        raise  # answered: smtplib reset the session (or closed it on a 421: reopened next time)
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException) as exc:
        dropped = isinstance(exc, smtplib.SMTPServerDisconnected) or exc.smtp_code == 421
        if not dropped:
            raise
        close_smtp_connection()
        if not reused:
            raise
        smtp, _ = _connection()
        smtp.send_message(msg)
    except (smtplib.SMTPException, OSError):
        close_smtp_connection()
        raise


def _connection() -> tuple[smtplib.SMTP, bool]:
    """This thread's open connection to the configured server, and whether it was open before."""
    cfg = current_app.config
    server = (cfg["SMTP_HOST"], cfg["SMTP_PORT"], cfg["SMTP_STARTTLS"], cfg["SMTP_USER"])
    kept = getattr(_connections, "smtp", None)
    if kept is not None and _connections.server == server:
        return kept, True
    close_smtp_connection()  # another server now (the settings changed)
    smtp = smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"])
    try:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USER"]:
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    _connections.smtp, _connections.server = smtp, server
    return smtp, False


def close_smtp_connection() -> None:
    """Say goodbye to the SMTP server on this thread's connection, if there is one."""
    smtp = getattr(_connections, "smtp", None)
    _connections.smtp = None
    if smtp is None:
        return
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def emails_due(limit: int = 200) -> list[int]:
    """Emails the sweep should hand to a worker: a retry that is due, a hand-off that seems
    lost, a try that was interrupted. Handing one over twice is harmless."""
    return list(db.session.scalars(
        select(Email.id).where(Email.state.in_(("queued", "retrying", "sending")),
                               Email.next_attempt_at <= clock.now())
        .order_by(Email.next_attempt_at).limit(limit)
    ))


def list_emails(state: str | None, query: str, page: int):
    """Newest first, filtered by delivery state and by recipient or subject."""
    stmt = select(Email)
    if state:
        stmt = stmt.where(Email.state == state)
    q = (query or "").strip()
    if q:
        stmt = stmt.where(Email.to.icontains(q, autoescape=True) | Email.subject.icontains(q, autoescape=True))
    return paginate(stmt.order_by(Email.id.desc()), page, current_app.config["PER_PAGE"])


def get_email(email_id: int) -> Email | None:
    return db.session.get(Email, email_id)


def emails_by_state() -> dict[str, Select]:
    """The emails in each state, as statements to count."""
    return {state: select(Email.id).where(Email.state == state) for state in EMAIL_STATES}


def counts_by_state() -> dict[str, int]:
    """How many emails are in each state that has any, each counted up to the cap (one query)."""
    return {state: n for state, n in capped_counts(emails_by_state()).items() if n}
