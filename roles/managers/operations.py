"""The operations page: queues, failed work, the outbox's lag and the background processes,
live, with the repairs an operator needs (retry, discard, re-send) and a log of them."""

from __future__ import annotations

import re
from datetime import timedelta

from babel.dates import format_timedelta
from flask import abort, flash, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import clock, notifications, operations
from portal.htmx import redirect, render
from roles.managers import bp
from roles.managers.forms import EmptyForm

# Dead letters shown per queue, failed emails and log lines shown: the page's work stays the same
# whatever piles up (the counts above each list say how many there are in all).
DEAD_SHOWN = 20
EMAILS_SHOWN = 20
ACTIONS_SHOWN = 20
# A dead message's key: a Redis message id or a Dramatiq message id (both UUIDs).
_KEY = re.compile(r"^[0-9a-f-]{36}$")
_EVENT_NAME = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


@bp.app_template_filter("age")
def format_age(value: timedelta | float | None) -> str:
    """``42 s``, ``3 min``, ``2 h`` in the reader's language: how long something has waited."""
    if value is None:
        return ""
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return format_timedelta(timedelta(seconds=max(seconds, 0)), threshold=1.5, format="short",
                            locale=str(get_locale() or "en"))


def _state() -> dict:
    """Everything the page shows; SQL work is the same whatever the data (see the query-count test)."""
    backend = operations.backend()
    broker_error = None
    try:
        queues = backend.queues()
        dead = backend.dead_letters(DEAD_SHOWN)
    except Exception:  # noqa: BLE001 - the broker being down is what the page must show then
        queues, dead, broker_error = [], [], True
    failed, failed_total = notifications.failed_emails(EMAILS_SHOWN)
    processes = operations.processes()
    return dict(
        queues=queues, dead=dead, broker_error=broker_error, failed_emails=failed, failed_total=failed_total,
        lags=operations.outbox_lag(backend.consumers_of), processes=processes,
        now=processes.now, now_seconds=clock.epoch_seconds(),
        actions=operations.recent_actions(ACTIONS_SHOWN), form=EmptyForm(),
        stale_after=operations.SCHEDULER_STALE,
    )


@bp.get("/operations")
def operations_page():
    """What the background work is doing, for the managers who keep it running."""
    return render("managers/operations.html", "managers/_operations_live.html", **_state())


def _checked() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _back():
    return redirect(url_for("managers.operations_page"))


def _queue(queue: str) -> str:
    if queue not in operations.backend().names():
        abort(404)
    return queue


@bp.post("/operations/queues/<queue>/dead/<key>/retry")
def retry_dead_message(queue: str, key: str):
    """Put one dead message back on its queue as a first try."""
    _checked()
    if not _KEY.match(key):
        abort(404)
    if operations.backend().retry(_queue(queue), key):
        operations.record("retry_message", {"queue": queue, "message": key}, 1, current_user)
        flash(_("The message is back on its queue."), "success")
    else:
        flash(_("That message is no longer dead-lettered: someone retried or discarded it just now."), "info")
    return _back()


@bp.post("/operations/queues/<queue>/dead/<key>/discard")
def discard_dead_message(queue: str, key: str):
    """Drop one dead message for good."""
    _checked()
    if not _KEY.match(key):
        abort(404)
    if operations.backend().discard(_queue(queue), key):
        operations.record("discard_message", {"queue": queue, "message": key}, 1, current_user)
        flash(_("The message is discarded."), "success")
    else:
        flash(_("That message is no longer dead-lettered: someone retried or discarded it just now."), "info")
    return _back()


@bp.post("/operations/queues/<queue>/dead/retry")
def retry_dead_queue(queue: str):
    """Put every dead message of a queue back on it."""
    _checked()
    n = operations.backend().retry_all(_queue(queue))
    if n:
        operations.record("retry_queue", {"queue": queue}, n, current_user)
    flash(ngettext("%(num)s message is back on its queue.", "%(num)s messages are back on their queue.", n),
          "success" if n else "info")
    return _back()


@bp.post("/operations/queues/<queue>/dead/discard")
def discard_dead_queue(queue: str):
    """Drop every dead message of a queue."""
    _checked()
    n = operations.backend().discard_all(_queue(queue))
    if n:
        operations.record("discard_queue", {"queue": queue}, n, current_user)
    flash(ngettext("%(num)s message discarded.", "%(num)s messages discarded.", n), "success" if n else "info")
    return _back()


@bp.post("/operations/emails/<int:email_id>/retry")
def retry_failed_email(email_id: int):
    """One more try for a failed email."""
    _checked()
    if notifications.retry_failed([email_id]):
        operations.record("retry_email", {"email": email_id}, 1, current_user)
        flash(_("The email is queued for one more try."), "success")
    else:
        flash(_("That email has not failed (any more): nothing to retry."), "info")
    return _back()


@bp.post("/operations/emails/<int:email_id>/discard")
def discard_failed_email(email_id: int):
    """Put a failed email aside: it stays in the mail viewer as discarded."""
    _checked()
    if notifications.discard_failed([email_id]):
        operations.record("discard_email", {"email": email_id}, 1, current_user)
        flash(_("The email is put aside."), "success")
    else:
        flash(_("That email has not failed (any more): nothing to discard."), "info")
    return _back()


@bp.post("/operations/emails/retry")
def retry_failed_emails():
    """One more try for every failed email."""
    _checked()
    n = len(notifications.retry_failed())
    if n:
        operations.record("retry_emails", {}, n, current_user)
    flash(ngettext("%(num)s email queued for one more try.", "%(num)s emails queued for one more try.", n),
          "success" if n else "info")
    return _back()


@bp.post("/operations/emails/discard")
def discard_failed_emails():
    """Put every failed email aside."""
    _checked()
    n = len(notifications.discard_failed())
    if n:
        operations.record("discard_emails", {}, n, current_user)
    flash(ngettext("%(num)s email put aside.", "%(num)s emails put aside.", n), "success" if n else "info")
    return _back()


@bp.post("/operations/events/<name>/resend")
def resend_event(name: str):
    """Re-send now every unconfirmed event of one name (after its consumer is repaired)."""
    _checked()
    if not _EVENT_NAME.match(name):
        abort(404)
    n = operations.backend().resend(name)
    if n:
        operations.record("resend_events", {"event": name}, n, current_user)
    flash(ngettext("%(num)s event re-sent.", "%(num)s events re-sent.", n), "success" if n else "info")
    return _back()
