"""Billing runs through the scheduler and a real worker (BI-7): no period skipped, no run
stuck when its message or its process is lost, and nothing done twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from jobs import billing
from jobs.broker import broker
from jobs.schedule import Periodic, run_due
from portal import client_billing, clock, runs, worker_billing
from portal.db import db
from portal.notifications import Email
from tests import factories
from tests.conftest import DATABASE_URL
from tests.portal.ledger.billing import at, finish, invoices_of
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
SUNDAY_W48 = at(2026, 11, 29, 21)  # an hour after week 2026-W48's cut-off


def weekly_job() -> Periodic:
    return Periodic(billing.WEEKLY_RUN, billing.weekly(), billing.weekly_invoices.send,
                    backlog=billing.oldest_uninvoiced_week)


def monthly_job() -> Periodic:
    return Periodic(billing.MONTHLY_RUN, billing.monthly(), billing.monthly_payouts.send,
                    backlog=billing.oldest_unpaid_month)


def runs_of(kind: str) -> list[tuple[str, str, int, int]]:
    """(period, state, done, total) of each run of ``kind``, oldest period first."""
    rows = db.session.execute(select(runs.JobRun.period_key, runs.JobRun.state, runs.JobRun.done, runs.JobRun.total)
                              .where(runs.JobRun.kind == kind).order_by(runs.JobRun.period_key)).all()
    db.session.rollback()  # the next look sees the worker's later commits
    return [tuple(row) for row in rows]


def all_done(kind: str) -> bool:
    found = runs_of(kind)
    return bool(found) and all(state == "done" for _, state, _, _ in found)


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["RUN_LEASE_SECONDS"])


def emails(template: str) -> list[str]:
    found = db.session.scalars(select(Email.to).where(Email.template == template).order_by(Email.to)).all()
    db.session.rollback()
    return list(found)


def tries_per_invoice() -> list[int]:
    found = db.session.scalars(select(client_billing.Invoice.tries).order_by(client_billing.Invoice.id)).all()
    db.session.rollback()
    return list(found)


def attempts() -> int:
    return db.session.scalar(select(func.count()).select_from(client_billing.PaymentAttempt))


# No period skipped


def test_the_first_tick_after_three_weeks_of_charges_invoices_all_three_weeks(db, jobs_worker):
    clients = [factories.user("client") for _ in range(2)]
    for week in range(3):  # weeks 46, 47 and 48: the scheduler has never run
        clock.freeze(at(2026, 11, 10, 12) + timedelta(weeks=week))
        for c in clients:
            finish(c.id, None, price_cents=1_000 * (week + 1))
    clock.freeze(SUNDAY_W48)
    assert [key for _, key in run_due([weekly_job()])] == ["2026-W46", "2026-W47", "2026-W48"]
    wait_for(lambda: all_done(billing.WEEKLY_RUN), message="the three weekly runs done")
    for c in clients:
        assert [(i.week_key, i.amount_cents) for i in invoices_of(c.id)] == [
            ("2026-W46", 1_000), ("2026-W47", 2_000), ("2026-W48", 3_000)]
        assert client_billing.upcoming(c.id)[1] == 0  # nothing left waiting for ever
    assert run_due([weekly_job()]) == []


def test_the_first_tick_with_nothing_to_invoice_starts_at_the_latest_week(db):
    clock.freeze(SUNDAY_W48)
    assert run_due([weekly_job()]) == [(billing.WEEKLY_RUN, "2026-W48")]


def test_the_first_tick_after_three_months_of_work_pays_all_three_months_in_order(db, jobs_worker):
    worker, client = factories.user("worker"), factories.user("client")
    clock.freeze(at(2026, 9, 10, 12))
    finish(client.id, worker.id, "failed")  # a 40 CU fine: a debt carried into October
    clock.freeze(at(2026, 10, 10, 12))
    finish(client.id, worker.id, "completed", price_cents=10_000)
    clock.freeze(at(2026, 11, 10, 12))
    finish(client.id, worker.id, "completed", price_cents=5_000)
    clock.freeze(at(2026, 11, 30, 21))  # after November's run is due
    assert [key for _, key in run_due([monthly_job()])] == ["2026-09", "2026-10", "2026-11"]
    wait_for(lambda: all_done(billing.MONTHLY_RUN), message="the three monthly runs done")
    payouts = db.session.scalars(select(worker_billing.Payout).where(worker_billing.Payout.worker_id == worker.id)
                                 .order_by(worker_billing.Payout.month_key)).all()
    assert [(p.month_key, p.carried_in_cents, p.amount_cents, p.state) for p in payouts] == [
        ("2026-09", 0, 0, "nothing"), ("2026-10", -4_000, 2_000, "paid"), ("2026-11", 0, 3_000, "paid")]


# No run stuck


def test_a_claimed_run_whose_message_redis_lost_is_handed_on_and_invoices_its_week_once(app, db):
    import dramatiq

    clients = [factories.user("client") for _ in range(3)]
    clock.freeze(at(2026, 11, 24, 12))
    for c in clients:
        finish(c.id, None)
    clock.freeze(SUNDAY_W48)
    run_due([weekly_job()])  # claimed, and its dispatch relayed to the broker
    broker.flush_all()  # Redis loses its data (FLUSHALL) before any worker took the message
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        run_due([weekly_job()])
        assert runs_of(billing.WEEKLY_RUN) == [("2026-W48", "queued", 0, 0)]  # within its lease: waits
        clock.advance(lease())
        run_due([weekly_job()])  # the next tick after the lease hands it on again
        wait_for(lambda: all_done(billing.WEEKLY_RUN), message="the handed-on run done")
        clock.advance(timedelta(minutes=5))
        from jobs.relay import sweep_outbox

        sweep_outbox()  # the first dispatch, re-sent by the sweep, arrives late: changes nothing
        broker.join("events", timeout=10_000)
        broker.join("schedule", timeout=10_000)
        worker.join()
    finally:
        worker.stop()
        broker.middleware[:] = [m for m in broker.middleware if getattr(m, "worker", None) is not worker]
    assert runs_of(billing.WEEKLY_RUN) == [("2026-W48", "done", 3, 3)]
    for c in clients:
        assert [(i.week_key, i.amount_cents) for i in invoices_of(c.id)] == [("2026-W48", 10_000)]
    assert tries_per_invoice() == [1, 1, 1]
    assert len(emails("payment_failed")) == 3


def a_dead_run(clients: int, charged: int) -> runs.Execution:
    """The weekly run of 2026-W48 whose process died after issuing the invoices and charging
    ``charged`` of them (its progress saved every ``PROGRESS_EVERY``)."""
    everyone = [factories.user("client") for _ in range(clients)]
    clock.freeze(at(2026, 11, 24, 12))
    for c in everyone:
        finish(c.id, None)
    clock.freeze(SUNDAY_W48)
    with pytest.MonkeyPatch.context() as no_broker:  # the dispatch reaches no worker
        no_broker.setattr(billing.weekly_invoices, "send", lambda run_id: None)
        run_due([weekly_job()])
    (run_id,) = db.session.scalars(select(runs.JobRun.id)).all()
    run = runs.begin(run_id)
    client_billing.issue_weekly_invoices("2026-W48")
    ids = client_billing.week_invoices("2026-W48")
    run.plan(len(ids))
    for done, invoice_id in enumerate(ids[:charged], 1):
        client_billing.charge_new_invoice(invoice_id)
        run.progress(done)
    return run


def test_a_run_whose_process_died_mid_way_is_taken_over_and_charges_each_invoice_once(db, jobs_worker):
    dead = a_dead_run(clients=30, charged=25)
    assert runs_of(billing.WEEKLY_RUN) == [("2026-W48", "running", 20, 30)]
    clock.advance(lease() - timedelta(seconds=1))
    run_due([weekly_job()])
    assert runs_of(billing.WEEKLY_RUN) == [("2026-W48", "running", 20, 30)]  # its lease still holds
    clock.advance(timedelta(seconds=1))
    run_due([weekly_job()])  # the lease ran out: the next tick hands the run on
    wait_for(lambda: all_done(billing.WEEKLY_RUN), message="the run taken over and done")
    assert runs_of(billing.WEEKLY_RUN) == [("2026-W48", "done", 30, 30)]
    assert tries_per_invoice() == [1] * 30  # the five charged after the last saved progress: not again
    assert attempts() == 30
    assert len(emails("payment_failed")) == 30
    with pytest.raises(runs.LeaseLost):  # the old process, were it only slow, stops at its next step
        dead.plan(30)


def test_a_run_delivered_again_after_it_finished_keeps_its_progress(db, jobs_worker):
    dead = a_dead_run(clients=3, charged=3)
    dead.finish()
    assert runs_of(billing.WEEKLY_RUN) == [("2026-W48", "done", 3, 3)]
    billing.weekly_invoices(dead.run_id)  # Dramatiq delivers at least once
    assert runs_of(billing.WEEKLY_RUN) == [("2026-W48", "done", 3, 3)]
    assert attempts() == 3


def test_a_second_execution_leaves_a_run_under_way_alone(db):
    under_way = a_dead_run(clients=3, charged=1)
    billing.weekly_invoices(under_way.run_id)  # a redelivery while the first one still pays
    assert runs_of(billing.WEEKLY_RUN) == [("2026-W48", "running", 0, 3)]
    assert tries_per_invoice() == [1, 0, 0]
    for done, invoice_id in enumerate(client_billing.week_invoices("2026-W48")[1:], 2):
        client_billing.charge_new_invoice(invoice_id)
        under_way.progress(done)
    under_way.finish()
    assert runs_of(billing.WEEKLY_RUN) == [("2026-W48", "done", 3, 3)]


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="a worker process of its own needs Redis")
def test_a_worker_process_killed_mid_run_leaves_a_run_that_the_next_tick_resumes_without_doubles(app, db):
    import dramatiq

    from portal.ledger.models import SandboxTransfer

    week = billing.weekly().latest_due(clock.now())
    clients = [factories.user("client") for _ in range(40)]
    clock.freeze(billing.weekly().due_at(week) - timedelta(days=2))
    for c in clients:
        client_billing.save_card(c.id, "4242424242424242")
        finish(c.id, None)
    clock.reset()
    run_due([weekly_job()])  # the real clock: the worker process has its own
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_APP")}
    # Not a test app: the payment sandbox answers in ~0.3 s, so the run takes a while.
    env.update(SECRET_KEY="test-killed-worker", DATABASE_URL=DATABASE_URL, INSTANCE_PATH=app.config["INSTANCE_PATH"])
    # Its own process group: dramatiq forks the worker process that runs the job, and the
    # whole group dies at once, as when the machine or its container goes.
    proc = subprocess.Popen([sys.executable, "-m", "dramatiq", "jobs.worker", "--processes", "1", "--threads", "1",
                             "--queues", "events", "schedule", "billing"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: runs_of(billing.WEEKLY_RUN)[0][2] >= runs.PROGRESS_EVERY, timeout=60,
                 message="the worker process half-way through the run")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # no handler runs: its lease is left to run out
        proc.wait(10)
    wait_for(lambda: not _alive(proc.pid), message="the worker processes gone")
    ((_, state, done, total),) = runs_of(billing.WEEKLY_RUN)
    assert (state, total) == ("running", 40) and done < 40
    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        clock.advance(lease())
        run_due([weekly_job()])  # the next tick after the lease hands the run on
        wait_for(lambda: all_done(billing.WEEKLY_RUN), timeout=30, message="the run resumed and done")
    finally:
        worker.stop()
        broker.middleware[:] = [m for m in broker.middleware if getattr(m, "worker", None) is not worker]
    assert runs_of(billing.WEEKLY_RUN) == [(week, "done", 40, 40)]
    assert tries_per_invoice() == [1] * 40
    assert db.session.scalar(select(func.count(func.distinct(SandboxTransfer.key)))) == \
        db.session.scalar(select(func.count()).select_from(SandboxTransfer)) <= 40
    assert len(emails("payment_succeeded")) == 40


def test_weeks_a_first_run_skipped_before_the_fix_are_invoiced_when_the_next_week_falls_due(db, jobs_worker):
    client = factories.user("client")
    for week in range(3):  # weeks 46, 47 and 48
        clock.freeze(at(2026, 11, 10, 12) + timedelta(weeks=week))
        finish(client.id, None, price_cents=1_000 * (week + 1))
    clock.freeze(SUNDAY_W48)
    with pytest.MonkeyPatch.context() as old_first_run:  # the first run took the latest week only
        old_first_run.setattr(billing.client_billing, "oldest_uninvoiced_week", lambda: None)
        run_due([weekly_job()])
    wait_for(lambda: all_done(billing.WEEKLY_RUN), message="week 48 invoiced")
    assert client_billing.upcoming(client.id)[1] == 2  # weeks 46 and 47 left behind
    assert run_due([weekly_job()]) == []  # not looked for on every tick
    clock.freeze(SUNDAY_W48 + timedelta(weeks=1))
    assert [key for _, key in run_due([weekly_job()])] == ["2026-W46", "2026-W47", "2026-W49"]
    wait_for(lambda: all_done(billing.WEEKLY_RUN), message="the left weeks invoiced")
    assert [(i.week_key, i.amount_cents) for i in invoices_of(client.id)] == [
        ("2026-W46", 1_000), ("2026-W47", 2_000), ("2026-W48", 3_000)]
    assert client_billing.upcoming(client.id)[1] == 0


def _alive(group: int) -> bool:
    """Whether any process of the process group ``group`` is still there."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
