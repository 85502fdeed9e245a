"""The words for the states and background runs that many pages show, in the reader's language.

A template macro that built these as a dict translated every word on every call (22 lookups
for one badge, fifty badges on a list page); here each is a lazy string, translated when shown.
"""

from __future__ import annotations

from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_pgettext

STATE_WORDS = {
    "queued": _l("queued"), "sending": _l("sending"), "retrying": _l("retrying"), "sent": _l("sent"),
    "kept": _l("in mail viewer"), "failed": lazy_pgettext("email state", "failed"),
    "discarded": lazy_pgettext("email state", "discarded"), "running": _l("running"), "done": _l("done"),
    "client": _l("client"), "worker": _l("worker"), "manager": _l("manager"), "warehouse": _l("warehouse"),
    "active": _l("active"), "inactive": _l("deactivated"),
    "new": lazy_pgettext("application stage", "new"), "contacted": _l("contacted"),
    "test_assigned": _l("test assigned"), "test_taken": _l("test taken"),
    "accepted": _l("accepted"), "rejected": _l("rejected"),
}

RUN_WORDS = {
    "billing.weekly_invoices": _l("Weekly invoices"),
    "billing.weekly_invoices_now": _l("Weekly invoices (started by hand)"),
    "billing.monthly_payouts": _l("Monthly payouts"),
    "billing.monthly_payouts_now": _l("Monthly payouts (started by hand)"),
    "people.purge_sessions": _l("Clearing expired sign-ins"),
    "outbox.resend": _l("Re-sending unconfirmed events"),
    "outbox.sweep": _l("Re-sending unconfirmed events"),
    "applicants.hourly_digest": _l("Hourly digest of applications"),
    "orders.retry_matching": _l("Looking again for workers"),
    "orders.no_shows": _l("Failing orders nobody came to"),
    "quality.sampling": _l("Sampling completed orders for quality checks"),
    "billing.retries": _l("Retrying failed payments"),
    "warehouse.chase_cookies": _l("Chasing the bakery's fortune cookies"),
    "matching.replay": _l("Matching replay"),
}


def state_word(state: str) -> str:
    """An email's, a run's, an account's or an application's state (unknown: as it is)."""
    return str(STATE_WORDS.get(state, state))


def run_word(kind: str) -> str:
    """What a background run is, in a manager's words (``run.kind`` is the job's code name)."""
    return str(RUN_WORDS.get(kind, kind))


def init_app(app) -> None:
    app.jinja_env.globals.update(state_word=state_word, run_word=run_word)
