"""The demo data tells one story on first start: weeks of business through the real operations."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from sqlalchemy import select

from portal import bets, client_billing, clock, demo, ledger, orders, quality, worker_billing
from portal.worker_billing import Payout


def _last_month_end(now: datetime) -> str:
    """The month whose payout was due last (its last day, 20:00 in the portal's zone)."""
    return worker_billing.PAYOUT_MONTHS.latest_due(now)


# Today, and the awkward days: just before and after a Sunday cut-off, a month's last evening.
AWKWARD = [None, datetime(2026, 11, 29, 19, 30, tzinfo=UTC), datetime(2026, 11, 29, 20, 30, tzinfo=UTC),
           datetime(2026, 12, 31, 19, 0, tzinfo=UTC), datetime(2027, 3, 1, 0, 30, tzinfo=UTC)]


@pytest.mark.parametrize("today", AWKWARD, ids=lambda d: f"{d:%a-%d-%b-%H%M}" if d else "now")
def test_first_start_tells_one_consistent_story(db, today, caplog):
    if today:
        clock.freeze(today)
    now = clock.now()
    with caplog.at_level(logging.INFO, logger="portal.demo"):
        demo.load()
    assert [r.getMessage() for r in caplog.records if "refused" in r.getMessage()] == []  # every step went through

    # The books balance: every entry, order, invoice and payout against the ledger.
    assert ledger.unbalanced_entries() == []
    assert ledger.total_of_all_postings().cents == 0
    assert client_billing.problems() == [] and worker_billing.problems() == []

    # Past orders were charged when they finished, not when the portal started.
    charges = list(db.session.scalars(select(client_billing.Charge)))
    finished = {o.id: o.finished_at for o in db.session.scalars(select(orders.Order))}
    assert len(charges) >= 20
    assert all(charge.charged_at == finished[charge.order_id] for charge in charges)

    # Every week before the last cut-off is invoiced; most paid, one retrying after a decline.
    invoices = list(db.session.scalars(select(client_billing.Invoice)))
    invoiced = {(i.client_id, i.week_key) for i in invoices}
    last_cutoff = demo._last_weekly_cutoff(now)
    assert {(c.client_id, c.week_key) for c in charges if c.charged_at < last_cutoff} <= invoiced
    assert len({i.week_key for i in invoices}) >= 4
    assert sum(i.state == "paid" for i in invoices) >= len(invoices) - 1 >= 10
    (retrying,) = [i for i in invoices if i.state != "paid"]
    assert retrying.state == "open" and retrying.tries >= 1 and retrying.last_failure == "declined"
    assert retrying.next_try_at is not None

    # Last month was paid out.
    payouts = list(db.session.scalars(select(Payout).where(Payout.month_key == _last_month_end(now))))
    assert payouts and all(p.state == "paid" for p in payouts)

    # Bets settled when their orders ended.
    books = list(db.session.scalars(select(bets.BetBook)))
    assert sum(b.state == "settled" for b in books) >= 10
    assert db.session.scalar(select(bets.Bet.id).limit(1)) is not None

    # Quality: the usual causes, cases closed with one of them, and recent ones still open.
    causes = quality.list_causes(active_only=True)
    assert len(causes) >= 5
    cases = list(db.session.scalars(select(quality.Case)))
    closed = [c for c in cases if c.state == "closed"]
    assert closed and all(c.cause_id in {cause.id for cause in causes} for c in closed)
    assert any(c.state == "open" for c in cases)
    assert {c.reason for c in cases} >= {"cancelled", "failed", "problem"}

    # Every timeline starts with "booked" and runs forward in time.
    entries = defaultdict(list)
    for entry in db.session.scalars(select(orders.TimelineEntry).order_by(orders.TimelineEntry.id)):
        entries[entry.order_id].append(entry)
    for timeline in entries.values():
        assert timeline[0].kind == "booked"
        assert [e.at for e in timeline] == sorted(e.at for e in timeline)

    # Every completed order has its check-in photo and the signed report.
    completed = [o.id for o in db.session.scalars(select(orders.Order).where(orders.Order.state == "completed"))]
    photos = db.session.scalars(select(orders.OrderPhoto.order_id).where(orders.OrderPhoto.order_id.in_(completed)))
    assert sorted(photos) == sorted(completed * 2)

    # Every state of an order is there to look at.
    assert set(db.session.scalars(select(orders.Order.state))) == set(orders.STATES)
