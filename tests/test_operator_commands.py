"""The operators' commands: ``flask --app wsgi events|runs|run-billing`` and ``generate --password``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from jobs import billing
from jobs.broker import is_in_process
from portal import clock, events, operations, runs
from portal.db import transaction
from portal.people import User
from tests.accounts import published
from tests.jobs.helpers import is_done, relay_off
from tests.waiting import wait_for


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_unconfirmed_events_are_listed_with_their_lagging_consumer_and_re_sent(app, db, jobs_worker):
    with relay_off(), transaction():
        event_id = events.publish("test.happened", {}).id
    listed = _run(app, "events", "list")
    assert listed.exit_code == 0, listed.output
    assert "test.happened\t1 unconfirmed" in listed.output

    resent = _run(app, "events", "resend", "test.happened")

    assert resent.exit_code == 0, resent.output
    assert "test.happened: 1 re-sent" in resent.output
    wait_for(lambda: is_done(event_id), message="the re-sent event to be confirmed")
    assert _run(app, "events", "list").output.strip() == "every event is confirmed"
    logged = operations.recent_actions()[0]
    assert (logged.action, logged.count, logged.actor_name) == ("resend_events", 1, "command line")


def test_a_stuck_run_is_listed_as_stalled_and_re_queued(app, db):
    clock.freeze(datetime(2026, 11, 30, 12, tzinfo=UTC))
    run_id = runs.claim_run("sample.job", "2026-11-30").id

    assert "sample.job\t2026-11-30\tqueued\t0/0\ton time" in _run(app, "runs", "list").output
    clock.advance(timedelta(hours=1))  # its lease ran out: nobody took it
    assert "\tstalled\t" in _run(app, "runs", "list").output

    requeued = _run(app, "runs", "requeue", str(run_id))

    assert requeued.exit_code == 0, requeued.output
    assert f"run {run_id} (sample.job 2026-11-30) handed to its job again" in requeued.output
    assert [p["run_id"] for p in published(runs.RUN_EVENT)] == [run_id, run_id]
    assert "\ton time\t" in _run(app, "runs", "list").output


def test_a_finished_or_unknown_run_is_not_re_queued(app, db):
    run_id = runs.claim_run("sample.job", "2026-11-30").id
    runs.give_up(run_id, "no such job")

    finished = _run(app, "runs", "requeue", str(run_id))
    unknown = _run(app, "runs", "requeue", "4242")

    assert finished.exit_code == unknown.exit_code == 1
    assert f"Run {run_id} has finished" in finished.output
    assert "There is no run 4242." in unknown.output
    assert len(published(runs.RUN_EVENT)) == 1


def test_a_billing_period_runs_once_and_bad_periods_are_refused(app, db):
    clock.freeze(datetime(2026, 12, 2, 12, tzinfo=UTC))

    assert "is not a weekly period" in _run(app, "run-billing", "weekly", "2026-48").output
    assert "is not a monthly period" in _run(app, "run-billing", "monthly", "2026-13").output
    assert "has not closed yet" in _run(app, "run-billing", "weekly", "2026-W50").output

    first = _run(app, "run-billing", "weekly", "2026-W47")
    again = _run(app, "run-billing", "weekly", "2026-W47")

    assert first.exit_code == 0, first.output
    assert again.exit_code == 1
    assert "has run already" in again.output
    run = db.session.scalar(select(runs.JobRun).where(runs.JobRun.kind == billing.WEEKLY_RUN))
    assert run.period_key == "2026-W47"
    if is_in_process():
        assert "billing.weekly_invoices 2026-W47 done" in first.output
        assert run.state == "done"
    else:
        assert f"handed to the workers as run {run.id}" in first.output


def test_generated_accounts_can_sign_in_with_the_given_password(app, db, client):
    made = _run(app, "generate", "--clients", "2", "--password", "bench-secret")
    assert made.exit_code == 0, made.output
    email = db.session.scalar(select(User.email).where(User.email.like("client-%@bench.test")))

    response = client.post("/login", data={"email": email, "password": "bench-secret"})

    assert response.headers["Location"] == "/client/"
    assert _run(app, "generate", "--clients", "1", "--password", "short").exit_code == 1
