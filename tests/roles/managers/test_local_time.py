"""Managers read and filter by their own calendar; the demo clock's billing moments are the
portal's Sunday 20:00 and month end, in its zone."""

from __future__ import annotations

from datetime import UTC, datetime

from portal import clock, orders
from tests import factories
from tests.portal.ledger.billing import at
from tests.portal.orders.factories import service_type


def test_the_orders_list_filters_by_the_manager_s_own_days(client, login_as, db):
    clock.freeze(datetime(2026, 11, 28, 12, tzinfo=UTC))
    service = service_type()
    evening = factories.user("client", name="Evening Eve")
    morning = factories.user("client", name="Morning Max")
    # 21:00 on 30 Nov and 04:00 on 1 Dec in Los Angeles, both on 1 Dec in UTC.
    orders.book_order(evening, service.id, "Feed", "1 Road", datetime(2026, 12, 1, 5, tzinfo=UTC), 1)
    orders.book_order(morning, service.id, "Feed", "1 Road", datetime(2026, 12, 1, 12, tzinfo=UTC), 1)
    login_as("manager", time_zone="America/Los_Angeles")
    page = client.get("/manager/orders?date_from=2026-11-30&date_to=2026-11-30").get_data(as_text=True)
    assert "Evening Eve" in page and "Morning Max" not in page


def test_the_demo_clock_jumps_to_sunday_20_00_and_month_end_in_the_portal_s_zone(client, login_as, db, app,
                                                                                  business_zone):
    business_zone("Europe/Berlin")
    login_as("manager")
    clock.freeze(at(2026, 10, 21, 9))
    app.config["DEMO"] = True
    try:
        page = client.get("/manager/billing").get_data(as_text=True)
        assert "Sunday 20:00 (Europe/Berlin)" in page
        client.post("/manager/billing/clock/sunday")
        assert clock.now() == at(2026, 10, 25, 19, 1)  # 20:01 CET, the clocks went back that morning
        response = client.post("/manager/billing/clock/month_end", follow_redirects=True)
        assert clock.now() == at(2026, 10, 31, 19, 1)
        assert "31 Oct 2026, 20:01 (Europe/Berlin)" in response.get_data(as_text=True)
    finally:
        app.config["DEMO"] = False
