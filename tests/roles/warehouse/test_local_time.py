"""The kits board shows pickup times and filters by day on the reader's own clock."""

from __future__ import annotations

from datetime import UTC, datetime

from portal import clock, orders
from tests import factories
from tests.portal.orders.factories import service_type
from tests.portal.warehouse.factories import opened_kit


def test_the_board_s_pickup_day_is_the_reader_s_day(client, login_as, db):
    clock.freeze(datetime(2026, 11, 28, 12, tzinfo=UTC))
    cleaning = service_type(name_en="Cleaning")
    for name, starts in (("Late Lola", datetime(2026, 11, 30, 22, tzinfo=UTC)),    # 1 Dec, 01:00 in Moscow
                         ("Early Ed", datetime(2026, 11, 30, 20, tzinfo=UTC))):   # 30 Nov, 23:00 in Moscow
        factories.user("worker")
        client_user = factories.user("client", name=name)
        opened_kit(orders.book_order(client_user, cleaning.id, "Sweep", "1 Road", starts, 1))
    login_as("warehouse", time_zone="Europe/Moscow")
    page = client.get("/warehouse/?state=all&day=2026-12-01").get_data(as_text=True)
    assert "Late Lola" in page and "Early Ed" not in page
    assert ">01:00</time>" in page
