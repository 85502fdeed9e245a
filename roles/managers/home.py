"""The managers' overview: what needs them now, each a count linking to its filtered list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from flask import url_for
from flask_babel import ngettext
from sqlalchemy import bindparam

from portal import client_billing, events, i18n, notifications, orders, people, quality, runs, timezones, warehouse
from portal.htmx import render
from portal.paging import counts_statement
from roles.managers import bp
from roles.managers.runs import resend_cutoff


@dataclass(frozen=True)
class Attention:
    """One thing on the overview that may need a manager now: how many, and the list showing them."""

    label: str  # in words that agree with the count
    count: int
    url: str
    urgent: bool = True  # a non-zero count is a problem (orders today are just information)


def _attention(counted: dict[str, int], today: date) -> list[Attention]:
    """What needs action now, each counted with the same filter its list uses."""
    day = today.isoformat()
    return [Attention(label(counted[key]), counted[key], url, urgent) for key, label, url, urgent in (
        ("orders today", lambda n: ngettext("order today", "orders today", n),
         url_for("managers.orders_list", date_from=day, date_to=day), False),
        ("awaiting worker", lambda n: ngettext("order waiting for a worker", "orders waiting for a worker", n),
         url_for("managers.orders_list", state="awaiting_worker"), True),
        ("kits due", lambda n: ngettext("kit not ready for an order starting within 2 hours",
                                        "kits not ready for orders starting within 2 hours", n),
         url_for("warehouse.home", state=warehouse.DUE_SOON), True),
        ("open cases", lambda n: ngettext("open quality case", "open quality cases", n),
         url_for("managers.quality_queue", state="open"), True),
        ("unpaid invoices", lambda n: ngettext("unpaid invoice", "unpaid invoices", n),
         url_for("managers.billing", _anchor="unpaid"), True),
        ("email failed", lambda n: ngettext("failed email", "failed emails", n),
         url_for("managers.emails", state="failed"), True),
        ("unconfirmed events", lambda n: ngettext("unconfirmed event", "unconfirmed events", n),
         url_for("managers.runs_list"), True),
    )]


@cache
def _overview_statement():
    """Every count on the overview in one statement: each was its own query, and the round
    trips were most of the page's time. Built once, with today's bounds and the two cut-offs
    as parameters: building its twenty parts on every view was a quarter of the page."""
    return counts_statement({
        # The same orders as the list's date_from = date_to = today (``_attention``'s link).
        "orders today": orders.starting_between(bindparam("day_start"), bindparam("day_end")),
        "awaiting worker": orders.matching_orders(orders.OrderFilters(state="awaiting_worker")),
        "kits due": warehouse.kits_due_before(bindparam("kits_due_before")),
        "open cases": quality.open_cases(),
        "unpaid invoices": client_billing.unpaid_invoice_ids(),
        "unconfirmed events": events.unconfirmed_events(bindparam("events_before")),
        **{f"email {state}": stmt for state, stmt in notifications.emails_by_state().items()},
        **{f"role {role}": stmt for role, stmt in people.active_accounts_by_role().items()},
    })


def _overview_counts(today: date) -> dict[str, int]:
    # "today" and the list's dates are the manager's, as on the list
    day_start, day_end = timezones.day_range(today, today, i18n.display_zone())
    return _overview_statement().run({
        "day_start": day_start, "day_end": day_end,
        "kits_due_before": warehouse.due_soon_cutoff(), "events_before": resend_cutoff(),
    })


@bp.get("/")
def home():
    """The managers' overview: what needs action now, then people, emails and runs."""
    today = i18n.local_today()  # once: the count and its link name the same day
    counted = _overview_counts(today)
    return render(
        "managers/home.html",
        attention=_attention(counted, today),
        counts={role: counted[f"role {role}"] for role in people.ROLES},
        email_counts={state: counted[f"email {state}"] for state in notifications.EMAIL_STATES
                      if counted[f"email {state}"]},
        recent_runs=runs.recent_runs(5),
    )
