"""A matching replay through the outbox and a real Dramatiq worker: the run reaches its job,
shows progress, keeps one result per order even when an execution is taken over, and changes
no order."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from bench.generate import generate
from jobs.schedule import run_due
from portal import clock, matching, runs
from portal.db import db
from portal.matching.models import ReplayResult
from portal.orders import Order
from portal.people.models import User
from tests.waiting import wait_for


def run_state(run_id: int):
    run = db.session.get(runs.JobRun, run_id)
    found = (run.state, run.done, run.total)
    db.session.rollback()  # the next look sees the worker's later commits
    return found


def result_count(replay_id: int) -> int:
    n = db.session.scalar(select(func.count()).select_from(ReplayResult).where(ReplayResult.replay_id == replay_id))
    db.session.rollback()
    return n


def orders_as_they_are():
    rows = db.session.execute(select(Order.__table__).order_by(Order.id)).all()
    db.session.rollback()
    return rows


def test_a_replay_runs_in_the_background_and_a_take_over_adds_nothing(db, jobs_worker):
    generate(workers=15, clients=8, orders=260, seed=5)
    db.session.execute(update(User).values(created_at=clock.now() - timedelta(days=400)))
    db.session.commit()
    before = orders_as_they_are()
    draft = matching.create_draft("Lighter weeks")
    step = next(s for s in draft.steps if s.step == "even_workload")
    matching.tune_step(step.id, weight=4.0, pipeline_id=draft.id)
    replay = matching.start_replay(draft.id, clock.now() - timedelta(days=366), clock.now(), started_by="Test")
    run_id = replay.run_id
    wait_for(lambda: run_state(run_id)[0] == "done", timeout=60, message="the replay's run done")
    assert run_state(run_id) == ("done", 260, 260)
    assert result_count(replay.id) == 260
    first = matching.get_replay(replay.id).summary
    db.session.rollback()

    # The process died mid-way (say after 100 orders): the run's lease runs out and the
    # scheduler hands it on; the new execution goes on from there and adds no second row.
    db.session.execute(update(runs.JobRun).where(runs.JobRun.id == run_id).values(
        state="running", done=100, owner="dead", lease_until=clock.now() - timedelta(seconds=1)))
    db.session.commit()
    clock.advance(timedelta(seconds=current_app.config["RUN_LEASE_SECONDS"]))
    run_due([])
    wait_for(lambda: run_state(run_id)[0] == "done", timeout=60, message="the handed-on replay done")
    assert result_count(replay.id) == 260
    db.session.expire_all()
    assert matching.get_replay(replay.id).summary == first
    assert orders_as_they_are() == before
