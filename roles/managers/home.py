"""The managers' overview: what needs them now, each a count linking to its filtered list."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import ngettext

from portal import client_billing, i18n, notifications, orders, people, quality, runs, warehouse
from portal.htmx import render
from roles.managers import bp
from roles.managers.runs import unconfirmed_events


@dataclass(frozen=True)
class Attention:
    """One thing on the overview that may need a manager now: how many, and the list showing them."""

    label: str  # in words that agree with the count
    count: int
    url: str
    urgent: bool = True  # a non-zero count is a problem (orders today are just information)


def _attention(email_counts: dict[str, int]) -> list[Attention]:
    """What needs action now, each counted with the same filter its list uses (one query each)."""
    zone = i18n.display_zone()  # "today" and the list's dates are the manager's, as on the list
    today = i18n.local_today()
    counts = [
        (orders.count_orders(orders.OrderFilters(date_from=today, date_to=today, time_zone=zone)),
         lambda n: ngettext("order today", "orders today", n),
         url_for("managers.orders_list", date_from=today.isoformat(), date_to=today.isoformat()), False),
        (orders.count_orders(orders.OrderFilters(state="awaiting_worker")),
         lambda n: ngettext("order waiting for a worker", "orders waiting for a worker", n),
         url_for("managers.orders_list", state="awaiting_worker"), True),
        (warehouse.count_kits(warehouse.BoardFilters(state=warehouse.DUE_SOON)),
         lambda n: ngettext("kit not ready for an order starting within 2 hours",
                            "kits not ready for orders starting within 2 hours", n),
         url_for("warehouse.home", state=warehouse.DUE_SOON), True),
        (quality.open_case_count(),
         lambda n: ngettext("open quality case", "open quality cases", n),
         url_for("managers.quality_queue", state="open"), True),
        (client_billing.unpaid_invoice_count(),
         lambda n: ngettext("unpaid invoice", "unpaid invoices", n),
         url_for("managers.billing", _anchor="unpaid"), True),
        (email_counts.get("failed", 0),
         lambda n: ngettext("failed email", "failed emails", n),
         url_for("managers.emails", state="failed"), True),
        (unconfirmed_events(),
         lambda n: ngettext("unconfirmed event", "unconfirmed events", n),
         url_for("managers.runs_list"), True),
    ]
    return [Attention(label(n), n, url, urgent) for n, label, url, urgent in counts]


@bp.get("/")
def home():
    """The managers' overview: what needs action now, then people, emails and runs."""
    email_counts = notifications.counts_by_state()
    return render(
        "managers/home.html",
        attention=_attention(email_counts),
        counts=people.counts_by_role(),
        email_counts=email_counts,
        recent_runs=runs.recent_runs(5),
    )
