"""The demo clock's jump: the orders in the skipped time play out as a real week would."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import client_billing, clock, demo, orders
from portal.errors import DomainError
from tests import factories
from tests.portal.orders.factories import book, refresh, service_type


def test_a_jump_to_sunday_plays_out_the_skipped_orders_with_a_mix_of_outcomes(db):
    clock.freeze(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))  # Monday
    for _ in range(6):
        factories.user("worker")
    factories.user("warehouse"), factories.user("manager")
    service = service_type()
    booked = [book(service=service, hours_ahead=3 + 11 * i) for i in range(12)]  # Mon 10:00 … Sun 11:00
    later = book(service=service, hours_ahead=24 * 8)  # after Sunday: untouched
    assert {o.state for o in booked} == {"assigned"}
    sunday = datetime(2026, 11, 29, 20, 1, tzinfo=UTC)
    preview = demo.preview_jump(sunday)
    assert (preview.orders, preview.weekly_invoices, preview.monthly_payouts) == (12, True, False)

    jump = demo.jump_to(sunday)

    assert clock.now() == sunday and jump.orders == 12
    outcomes = Counter(refresh(o).state for o in booked)
    assert outcomes["completed"] >= 8 and outcomes["cancelled"] >= 1 and outcomes["failed"] >= 1
    assert set(outcomes) == {"completed", "cancelled", "failed"}
    assert refresh(later).state == "assigned"
    completed = [o for o in booked if refresh(o).state == "completed"]
    photos = db.session.scalar(select(func.count(orders.OrderPhoto.id)).where(
        orders.OrderPhoto.order_id.in_([o.id for o in completed])))
    assert photos == 2 * len(completed)  # the check-in and the signed report of each
    # Charged when each order ended, inside the week, and Sunday's run invoiced them.
    charges = list(db.session.scalars(select(client_billing.Charge)))
    assert len(charges) == outcomes["completed"] + outcomes["cancelled"]
    assert all(c.charged_at == refresh(db.session.get(orders.Order, c.order_id)).finished_at < sunday for c in charges)
    invoices = list(db.session.scalars(select(client_billing.Invoice)))
    assert {i.week_key for i in invoices} == {"2026-W48"} and len(invoices) == len(charges)


def test_the_demo_clock_does_not_go_back(db):
    clock.freeze(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    with pytest.raises(DomainError):
        demo.jump_to(clock.now() - timedelta(hours=1))
    assert clock.now() == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
