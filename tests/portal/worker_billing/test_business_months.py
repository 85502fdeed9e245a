"""The month's payout cut-off is its last day at 20:00 in the portal's zone (PORTAL_TIME_ZONE):
in summer and winter time and across the new year."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jobs.billing import MONTHLY_RUN, monthly
from jobs.schedule import Periodic, run_due
from portal import clock, worker_billing
from tests import factories
from tests.portal.ledger.billing import at, finish
from tests.portal.worker_billing.test_payouts import payouts


@pytest.fixture(autouse=True)
def berlin(business_zone):
    business_zone("Europe/Berlin")


@pytest.mark.parametrize(("month", "cutoff"), [
    ("2026-02", at(2026, 2, 28, 19)),   # winter: 20:00 CET
    ("2026-03", at(2026, 3, 31, 18)),   # summer time since the 29th: 20:00 CEST
    ("2026-10", at(2026, 10, 31, 19)),  # winter time again since the 25th
    ("2026-12", at(2026, 12, 31, 19)),
])
def test_each_month_closes_on_its_last_day_at_20_00_berlin_time(db, month, cutoff):
    assert worker_billing.month_cutoff(month) == cutoff
    assert monthly().due_at(month) == cutoff  # what the scheduler waits for
    assert worker_billing.payout_month(cutoff - timedelta(seconds=1)) == month
    assert worker_billing.payout_month(cutoff) == monthly().next_key(month)


def test_the_months_follow_each_other_across_the_new_year(db):
    months = monthly()
    assert months.next_key("2026-12") == "2027-01" and months.previous_key("2027-01") == "2026-12"
    assert months.latest_due(at(2026, 12, 31, 18, 59)) == "2026-11"
    assert months.latest_due(at(2026, 12, 31, 19)) == "2026-12"


def test_work_done_at_20_30_berlin_on_march_31_is_paid_with_april(db):
    worker = factories.user("worker")
    clock.freeze(at(2026, 3, 31, 17, 30))  # 19:30 CEST
    finish(factories.user("client").id, worker.id, "completed", 10_000)
    clock.freeze(at(2026, 3, 31, 18, 30))  # 20:30 CEST, though still before 20:00 UTC
    finish(factories.user("client").id, worker.id, "completed", 5_000)
    job = Periodic(MONTHLY_RUN, monthly(), lambda run_id: None)
    assert run_due([job], now=at(2026, 3, 31, 17, 59)) == [(MONTHLY_RUN, "2026-02")]
    assert run_due([job], now=at(2026, 3, 31, 18)) == [(MONTHLY_RUN, "2026-03")]
    worker_billing.create_payouts("2026-03", "2026-02", worker_billing.month_cutoff("2026-03"))
    (march,) = payouts(worker.id)
    assert (march.month_key, march.earned_cents) == ("2026-03", 6_000)


def test_work_done_after_the_cut_off_belongs_to_the_next_month_s_run(db):
    # 20:30 in Berlin on 31 March is still 31 March in UTC, but April's payout takes it.
    assert monthly().period_of(at(2026, 3, 31, 18, 30)) == "2026-04"
    assert monthly().period_of(at(2026, 3, 31, 17, 59)) == "2026-03"
