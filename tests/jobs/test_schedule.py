"""The schedule: every period runs once, in order, however often or late the scheduler ticks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from jobs.schedule import Daily, MonthEnd, Periodic, Weekly, periodic_jobs, run_due
from portal import clock, events, runs
from portal.db import db
from tests.conftest import DATABASE_URL
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


class Recorder:
    """Stands in for an actor's ``send``: the run ids it was handed."""

    def __init__(self):
        self.sent: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, run_id: int) -> None:
        with self._lock:
            self.sent.append(run_id)


def dispatched(kind: str) -> list[int]:
    """The run ids handed to ``kind``'s job through the outbox, once per hand-over."""
    payloads = db.session.scalars(select(events.OutboxEvent.payload).where(events.OutboxEvent.name == runs.RUN_EVENT)).all()
    db.session.rollback()
    return sorted(p["run_id"] for p in payloads if p["kind"] == kind)


def claimed(kind: str) -> list[str]:
    keys = db.session.scalars(select(runs.JobRun.period_key).where(runs.JobRun.kind == kind).order_by(runs.JobRun.id)).all()
    db.session.rollback()
    return keys


# Cadences: when a period is due (billing relies on these)


def test_weekly_periods_are_iso_weeks_due_on_sunday():
    weekly = Weekly(weekday=6)
    assert weekly.key_at(at(2026, 11, 23)) == weekly.key_at(at(2026, 11, 29, 23, 59)) == "2026-W48"
    assert weekly.due_at("2026-W48") == at(2026, 11, 29)
    assert weekly.latest_due(at(2026, 11, 28, 23, 59)) == "2026-W47"
    assert weekly.latest_due(at(2026, 11, 29)) == "2026-W48"


def test_weekly_periods_cross_the_year_through_week_53():
    weekly = Weekly(weekday=6)
    assert weekly.next_key("2026-W52") == "2026-W53"
    assert weekly.next_key("2026-W53") == "2027-W01"
    assert weekly.previous_key("2027-W01") == "2026-W53"
    assert weekly.next_key("2025-W52") == "2026-W01"  # 2025 has no week 53
    assert weekly.due_at("2026-W53") == at(2027, 1, 3)
    assert weekly.latest_due(at(2027, 1, 2)) == "2026-W52"
    assert weekly.latest_due(at(2027, 1, 3, 1)) == "2026-W53"


def test_month_end_periods_are_due_on_the_last_day():
    month_end = MonthEnd(hour=0)
    assert month_end.due_at("2026-11") == at(2026, 11, 30)
    assert month_end.due_at("2026-12") == at(2026, 12, 31)
    assert month_end.due_at("2027-02") == at(2027, 2, 28)
    assert month_end.due_at("2028-02") == at(2028, 2, 29)
    assert month_end.next_key("2026-12") == "2027-01"
    assert month_end.previous_key("2027-01") == "2026-12"
    assert month_end.latest_due(at(2026, 12, 30, 23)) == "2026-11"
    assert month_end.latest_due(at(2026, 12, 31)) == "2026-12"
    assert month_end.latest_due(at(2027, 1, 5)) == "2026-12"


moments = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 1)).map(lambda d: d.replace(tzinfo=UTC))
cadences = st.sampled_from([Daily(hour=3), Weekly(weekday=6), Weekly(weekday=0, hour=6), MonthEnd(), MonthEnd(hour=22)])


@given(cadences, moments)
def test_the_latest_due_period_is_the_last_one_started_by_now(cadence, now):
    key = cadence.latest_due(now)
    assert cadence.due_at(key) <= now < cadence.due_at(cadence.next_key(key))
    assert cadence.previous_key(cadence.next_key(key)) == key
    assert cadence.key_at(cadence.due_at(key)) == key  # due inside its own period


# Keyed runs


def test_a_repeated_tick_starts_a_period_once(db):
    send = Recorder()
    jobs = [Periodic("test.daily", Daily(hour=3), send)]
    clock.freeze(at(2026, 11, 20, 4))
    assert run_due(jobs) == [("test.daily", "2026-11-20")]
    assert run_due(jobs) == []
    assert run_due([Periodic("test.daily", Daily(hour=3), send)]) == []  # a restarted scheduler too
    assert claimed("test.daily") == ["2026-11-20"]
    assert len(dispatched("test.daily")) == 1


def test_after_downtime_every_missed_day_runs_once_in_order(db):
    send = Recorder()
    jobs = [Periodic("test.daily", Daily(hour=3), send)]
    clock.freeze(at(2026, 11, 20, 4))
    run_due(jobs)
    clock.advance(timedelta(days=5))
    started = run_due(jobs)
    assert [key for _, key in started] == ["2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]
    assert run_due(jobs) == []
    assert claimed("test.daily") == ["2026-11-20", *[key for _, key in started]]
    run_ids = db.session.scalars(select(runs.JobRun.id).where(runs.JobRun.kind == "test.daily")).all()
    assert set(dispatched("test.daily")) == set(run_ids)


def test_weekly_catch_up_crosses_the_new_year(db):
    jobs = [Periodic("test.weekly", Weekly(weekday=6), Recorder())]
    run_due(jobs, now=at(2026, 12, 27, 1))
    run_due(jobs, now=at(2027, 1, 17, 1))
    assert claimed("test.weekly") == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]


def test_month_end_catch_up_crosses_the_new_year(db):
    jobs = [Periodic("test.monthly", MonthEnd(), Recorder())]
    run_due(jobs, now=at(2026, 11, 30, 1))
    run_due(jobs, now=at(2027, 3, 1))
    assert claimed("test.monthly") == ["2026-11", "2026-12", "2027-01", "2027-02"]


def test_a_period_is_not_due_before_its_day(db):
    jobs = [Periodic("test.weekly", Weekly(weekday=6), Recorder())]
    run_due(jobs, now=at(2026, 11, 22, 1))
    assert run_due(jobs, now=at(2026, 11, 28, 23, 59)) == []
    assert run_due(jobs, now=at(2026, 11, 29)) == [("test.weekly", "2026-W48")]


def test_two_schedulers_ticking_together_start_one_run(app, db):
    send = Recorder()
    barrier = threading.Barrier(2)
    started: list = []

    def scheduler():
        jobs = [Periodic("test.weekly", Weekly(weekday=6), send)]
        with app.app_context():
            barrier.wait(10)
            started.extend(run_due(jobs, now=at(2026, 11, 29, 1)))

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert started == [("test.weekly", "2026-W48")]
    assert claimed("test.weekly") == ["2026-W48"]
    assert len(dispatched("test.weekly")) == 1


def test_a_claimed_run_reaches_its_job_through_the_outbox(db, jobs_worker):
    send = Recorder()
    clock.freeze(at(2026, 11, 20, 4))
    run_due([Periodic("test.daily", Daily(hour=3), send)])
    (run_id,) = dispatched("test.daily")
    wait_for(lambda: send.sent == [run_id], message="the run handed to its job")


def test_a_run_that_could_not_be_sent_is_sent_again_when_its_lease_runs_out_not_skipped(db, jobs_worker, monkeypatch):
    from jobs.events import handle_event

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    send = Recorder()
    jobs = [Periodic("test.daily", Daily(hour=3), send)]
    clock.freeze(at(2026, 11, 20, 4))
    with monkeypatch.context() as down:
        down.setattr(handle_event, "send", broker_down)
        assert run_due(jobs) == [("test.daily", "2026-11-20")]  # claimed all the same
    assert claimed("test.daily") == ["2026-11-20"]
    clock.advance(runs_lease(db) - timedelta(seconds=1))
    run_due(jobs)
    assert send.sent == []  # still within its lease: not handed on yet
    clock.advance(timedelta(seconds=1))
    run_due(jobs)
    (run_id,) = set(dispatched("test.daily"))
    wait_for(lambda: send.sent == [run_id], message="the run handed on again")
    assert claimed("test.daily") == ["2026-11-20"]


def runs_lease(db) -> timedelta:
    from flask import current_app

    return timedelta(seconds=current_app.config["RUN_LEASE_SECONDS"])


def test_the_real_schedule_runs_on_the_worker(db, jobs_worker):
    clock.freeze(at(2026, 11, 20, 4))
    run_due(periodic_jobs())
    run = db.session.scalar(select(runs.JobRun).where(runs.JobRun.kind == "people.purge_sessions"))
    assert run.period_key == "2026-11-20"

    def finished():
        db.session.refresh(run)
        return run.finished

    wait_for(finished, message="the purge run finished")
    assert run.state == "done"


# The production scheduler process


def _scheduler_env(app, **extra) -> dict:
    """The test database and its instance folder; Redis only when given."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "FLASK_APP")}
    env.update(SECRET_KEY="test-scheduler", DATABASE_URL=DATABASE_URL, INSTANCE_PATH=app.config["INSTANCE_PATH"], **extra)
    return env


def test_the_scheduler_process_refuses_to_run_without_redis(app, db):
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT,
                          env=_scheduler_env(app), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "needs REDIS_URL" in done.stderr


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="the scheduler process needs Redis")
def test_the_scheduler_process_claims_due_runs_and_stops_on_sigterm(app, db):
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT,
                            env=_scheduler_env(app, REDIS_URL=os.environ["TEST_REDIS_URL"]),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: claimed("people.purge_sessions"), timeout=60, message="the scheduler's first run")
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, output
    assert "scheduler stopped" in output


def test_a_run_no_job_can_execute_fails_rather_than_being_handed_on_for_ever(db, jobs_worker):
    run_id = runs.claim_run("test.retired_job", "2026-W48", started_by="scheduler").id

    def failed():
        run = db.session.get(runs.JobRun, run_id)
        db.session.refresh(run)
        return run.state == "failed" and run.error

    assert wait_for(failed, message="the run given up") == "no job runs test.retired_job"
    clock.advance(timedelta(hours=1))
    run_due([])
    assert dispatched("test.retired_job") == [run_id]  # not handed on again
