"""The worker's earnings page says when the month is paid out, on the worker's own clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from portal import clock


def test_the_earnings_page_says_when_the_month_is_paid_out_on_the_worker_s_clock(client, login_as, db, business_zone):
    business_zone("Europe/Moscow")
    clock.freeze(datetime(2026, 12, 10, 12, tzinfo=UTC))
    login_as("worker", time_zone="America/New_York")
    page = client.get("/worker/earnings").get_data(as_text=True)
    assert re.search(r'id="paid-out-at">31 Dec 2026, 12:00<', page)  # 20:00 in Moscow
