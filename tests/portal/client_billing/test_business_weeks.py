"""The weekly cut-off is Sunday 20:00 in the portal's zone (PORTAL_TIME_ZONE), whatever UTC
hour that is: on the weekends the clocks change and across the new year (ISO week 53)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobs.billing import WEEKLY_RUN, weekly
from jobs.schedule import Periodic, run_due
from portal import client_billing, clock
from tests import factories
from tests.portal.ledger.billing import at, finish, invoices_of


@pytest.fixture(autouse=True)
def berlin(business_zone):
    business_zone("Europe/Berlin")


@pytest.mark.parametrize(("week", "cutoff"), [
    ("2026-W12", at(2026, 3, 22, 19)),   # Sunday 20:00 CET (UTC+1)
    ("2026-W13", at(2026, 3, 29, 18)),   # the clocks went forward that morning: 20:00 CEST (UTC+2)
    ("2026-W43", at(2026, 10, 25, 19)),  # the clocks went back that morning: 20:00 CET again
    ("2026-W52", at(2026, 12, 27, 19)),
    ("2026-W53", at(2027, 1, 3, 19)),    # 2026 has 53 ISO weeks; the last one ends in 2027
    ("2027-W01", at(2027, 1, 10, 19)),
])
def test_each_week_closes_on_sunday_at_20_00_berlin_time(db, week, cutoff):
    assert client_billing.week_cutoff(week) == cutoff
    assert weekly().due_at(week) == cutoff  # what the scheduler waits for
    assert client_billing.billing_week(cutoff - timedelta(seconds=1)) == week
    assert client_billing.billing_week(cutoff) == weekly().next_key(week)


def test_the_weeks_follow_each_other_across_the_new_year(db):
    weeks = weekly()
    assert weeks.next_key("2026-W52") == "2026-W53" and weeks.next_key("2026-W53") == "2027-W01"
    assert weeks.previous_key("2027-W01") == "2026-W53"
    assert weeks.latest_due(at(2027, 1, 3, 18, 59)) == "2026-W52"
    assert weeks.latest_due(at(2027, 1, 3, 19)) == "2026-W53"


def test_a_charge_at_19_30_on_the_summer_time_sunday_is_on_that_week_s_invoice(db):
    early, late = factories.user("client"), factories.user("client")
    clock.freeze(at(2026, 3, 29, 17, 30))  # 19:30 in Berlin
    finish(early.id, None, price_cents=1_000)
    clock.freeze(at(2026, 3, 29, 18, 30))  # 20:30 in Berlin (still 18:30 UTC, before 20:00 UTC)
    finish(late.id, None, price_cents=2_000)
    client_billing.issue_weekly_invoices("2026-W13", cutoff=client_billing.week_cutoff("2026-W13"))
    assert [(i.week_key, i.amount_cents) for i in invoices_of(early.id)] == [("2026-W13", 1_000)]
    assert invoices_of(late.id) == []
    assert client_billing.upcoming(late.id)[0].cents == 2_000


def test_the_scheduler_starts_the_weekly_run_at_20_00_berlin_time_on_the_change_weekends(db):
    started = []
    job = Periodic(WEEKLY_RUN, weekly(), started.append)
    run_due([job], now=at(2026, 3, 22, 20))  # last week's run
    assert run_due([job], now=at(2026, 3, 29, 17, 59)) == []
    assert run_due([job], now=at(2026, 3, 29, 18)) == [(WEEKLY_RUN, "2026-W13")]
    run_due([job], now=at(2026, 10, 18, 18))  # catches up to W42 (Sunday 20:00 CEST)
    assert run_due([job], now=at(2026, 10, 25, 18, 59)) == []  # 19:59 CET
    assert run_due([job], now=at(2026, 10, 25, 19)) == [(WEEKLY_RUN, "2026-W43")]


def test_in_moscow_the_week_closes_at_17_00_utc(db, business_zone):
    business_zone("Europe/Moscow")
    assert client_billing.week_cutoff("2026-W48") == at(2026, 11, 29, 17)
    assert client_billing.billing_week(at(2026, 11, 29, 17, 30)) == "2026-W49"
