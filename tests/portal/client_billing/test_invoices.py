"""BI-3, BI-7: one invoice per client and week, equal to its charges; never two, never skipped."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from jobs.billing import WEEKLY_RUN, weekly, weekly_invoices
from jobs.schedule import Periodic, run_due
from portal import client_billing, clock
from portal.runs import JobRun
from portal.money import Money
from tests import factories
from tests.conftest import ON_POSTGRES
from tests.portal.ledger.billing import at, charges_of, count, finish, invoices_of
from tests.waiting import wait_for

SUNDAY = at(2026, 11, 29, 20)  # the evening week 2026-W48 is invoiced


def test_the_week_s_charges_become_one_invoice_per_client(db):
    a, b = factories.user("client"), factories.user("client")
    clock.freeze(at(2026, 11, 24, 10))
    finish(a.id, None, price_cents=10_000)
    finish(a.id, None, "cancelled", price_cents=2_550)
    finish(b.id, None, price_cents=7_000)
    ids = client_billing.issue_weekly_invoices("2026-W48", cutoff=SUNDAY)
    assert len(ids) == 2
    (invoice,) = invoices_of(a.id)
    assert (invoice.week_key, invoice.amount_cents, invoice.charge_count, invoice.state) == ("2026-W48", 12_550, 2, "open")
    assert {c.invoice_id for c in charges_of(a.id)} == {invoice.id}
    assert client_billing.issue_weekly_invoices("2026-W48", cutoff=SUNDAY) == []
    assert count(client_billing.Invoice) == 2


def test_a_charge_after_the_sunday_cutoff_waits_for_next_week(db):
    client = factories.user("client")
    clock.freeze(SUNDAY + timedelta(minutes=5))
    finish(client.id, None)
    assert client_billing.issue_weekly_invoices("2026-W48", cutoff=SUNDAY) == []
    assert client_billing.upcoming(client.id)[0].cents == 10_000
    client_billing.issue_weekly_invoices("2026-W49", cutoff=SUNDAY + timedelta(days=7))
    assert [i.week_key for i in invoices_of(client.id)] == ["2026-W49"]


def test_a_charge_belongs_to_the_week_whose_sunday_cutoff_is_still_ahead(db):
    assert client_billing.billing_week(at(2026, 11, 23, 0)) == "2026-W48"  # Monday
    assert client_billing.billing_week(SUNDAY - timedelta(seconds=1)) == "2026-W48"
    assert client_billing.billing_week(SUNDAY) == "2026-W49"
    assert client_billing.billing_week(at(2026, 12, 27, 20)) == "2026-W53"  # 2026 has 53 ISO weeks
    assert client_billing.billing_week(at(2027, 1, 3, 20)) == "2027-W01"  # across the new year


def test_a_charge_made_after_its_week_was_invoiced_goes_on_next_week_s_invoice(db):
    early, late = factories.user("client"), factories.user("client")
    clock.freeze(at(2026, 11, 27, 10))
    finish(early.id, None, price_cents=1_000)
    client_billing.issue_weekly_invoices("2026-W48", cutoff=SUNDAY)  # run before its cut-off
    finish(late.id, None, price_cents=2_000)
    assert client_billing.upcoming(late.id) == (Money(2_000), 1)
    client_billing.issue_weekly_invoices("2026-W49", cutoff=SUNDAY + timedelta(days=7))
    assert [(i.week_key, i.amount_cents) for i in invoices_of(late.id)] == [("2026-W49", 2_000)]
    assert [(i.week_key, i.amount_cents) for i in invoices_of(early.id)] == [("2026-W48", 1_000)]
    assert client_billing.problems() == []


def test_five_weeks_of_downtime_make_exactly_the_five_missing_invoices(db, jobs_worker):
    clients = [factories.user("client") for _ in range(3)]
    job = Periodic(WEEKLY_RUN, weekly(), weekly_invoices.send)
    clock.freeze(at(2026, 11, 1, 21))  # Sunday of W44, after the run is due
    run_due([job])
    for week in range(5):  # the scheduler is down; orders go on
        clock.freeze(at(2026, 11, 3, 12) + timedelta(weeks=week))
        for c in clients:
            finish(c.id, None, price_cents=1_000 * (week + 1))
    clock.freeze(at(2026, 12, 6, 21))  # back on the Sunday of W49
    started = run_due([job])
    assert [key for _, key in started] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]

    def all_done():
        db.session.rollback()
        return db.session.scalars(select(JobRun.state).where(JobRun.kind == WEEKLY_RUN)).all() == ["done"] * 6

    wait_for(all_done, message="the six weekly runs done")
    for c in clients:
        assert [(i.week_key, i.amount_cents) for i in invoices_of(c.id)] == [
            (f"2026-W{45 + w}", 1_000 * (w + 1)) for w in range(5)]
    assert run_due([job]) == []


@pytest.mark.skipif(not ON_POSTGRES, reason="real concurrency needs PostgreSQL")
def test_twelve_concurrent_runs_of_a_week_make_one_invoice_per_client(app, db):
    clients = [factories.user("client") for _ in range(20)]
    clock.freeze(at(2026, 11, 24, 10))
    for c in clients:
        finish(c.id, None)
        finish(c.id, None, price_cents=500)
    db.session.commit()
    barrier, issued, errors = threading.Barrier(12), [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                issued.extend(client_billing.issue_weekly_invoices("2026-W48", cutoff=SUNDAY))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(issued) == 20
    for c in clients:
        assert [(i.amount_cents, i.charge_count) for i in invoices_of(c.id)] == [(10_500, 2)]
    assert db.session.scalars(select(client_billing.Charge.order_id).where(
        client_billing.Charge.invoice_id.is_(None))).all() == []


def test_the_scheduler_runs_weekly_invoices_monthly_payouts_and_retries():
    from jobs.schedule import periodic_jobs

    names = {job.name for job in periodic_jobs()}
    assert {"billing.weekly_invoices", "billing.monthly_payouts", "billing.retries"} <= names
