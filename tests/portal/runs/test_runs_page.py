"""The managers' runs page: progress bars that poll until the run has finished."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock, events, runs
from portal.db import db, transaction
from tests.jobs.helpers import is_done, relay_off
from tests.waiting import wait_for

HTMX = {"HX-Request": "true"}


def a_run(total: int, done: int) -> runs.Execution:
    """A run under way: ``done`` of ``total`` steps saved."""
    run = runs.begin(runs.claim_run("test.billing", "2026-W48", started_by="scheduler").id)
    run.plan(total)
    run.renew_at = clock.now()  # save this step's progress now
    run.progress(done)
    return run


def test_a_running_run_keeps_polling(client, login_as):
    login_as("manager")
    run_id = a_run(total=10, done=3).run_id
    response = client.get(f"/manager/runs/{run_id}/progress", headers=HTMX)
    assert response.status_code == 200
    assert b"3 of 10 (30%)" in response.data
    assert b'hx-trigger="every 1s"' in response.data
    assert b"<html" not in response.data  # the fragment alone


def test_a_finished_run_stops_the_polling_with_286(client, login_as):
    login_as("manager")
    run = a_run(total=10, done=9)
    run.finish()
    run_id = run.run_id
    response = client.get(f"/manager/runs/{run_id}/progress", headers=HTMX)
    assert response.status_code == 286
    assert b"Done: 10 of 10" in response.data
    assert b"hx-trigger" not in response.data


def test_a_failed_run_stops_the_polling_and_says_why(client, login_as):
    login_as("manager")
    run = a_run(total=10, done=4)
    run.fail("payment provider unreachable")
    run_id = run.run_id
    response = client.get(f"/manager/runs/{run_id}/progress", headers=HTMX)
    assert response.status_code == 286
    assert b"Failed: payment provider unreachable" in response.data


def test_without_htmx_a_run_is_a_page_of_its_own(client, login_as):
    login_as("manager")
    run = a_run(total=4, done=4)
    run.finish()
    run_id = run.run_id
    response = client.get(f"/manager/runs/{run_id}/progress")
    assert response.status_code == 200
    assert b"<html" in response.data and b"test.billing" in response.data


def test_the_runs_page_lists_runs_with_their_bars(client, login_as):
    login_as("manager")
    a_run(total=10, done=5)
    response = client.get("/manager/runs")
    assert response.status_code == 200
    assert b"2026-W48" in response.data
    assert b'<progress value="50" max="100"' in response.data


def test_a_manager_resends_lost_events_and_watches_the_run_finish(client, login_as, jobs_worker):
    manager = login_as("manager")
    clock.freeze(clock.now())
    with relay_off(), transaction():  # as if the process died right after the commit
        lost = [events.publish("test.happened", {"n": n}).id for n in range(3)]
    clock.advance(timedelta(seconds=1))
    response = client.post("/manager/runs/resend-events", follow_redirects=True)
    assert b"Re-sending unconfirmed events" in response.data
    run = db.session.scalar(select(runs.JobRun).where(runs.JobRun.kind == events.RESEND_RUN))
    assert run.started_by == manager.name

    def progress():
        response = client.get(f"/manager/runs/{run.id}/progress", headers=HTMX)
        return response if response.status_code == 286 else None

    assert b"Done: 3 of 3" in wait_for(progress, message="the re-send run finished").data
    wait_for(lambda: all(is_done(event_id) for event_id in lost), message="the re-sent events handled")


def test_a_double_click_starts_one_run(client, login_as):
    login_as("manager")
    clock.freeze(clock.now())
    client.post("/manager/runs/resend-events")
    response = client.post("/manager/runs/resend-events", follow_redirects=True)
    assert b"This run has just been started" in response.data
    assert len(db.session.scalars(select(runs.JobRun)).all()) == 1


def test_starting_a_run_needs_the_csrf_token(app, client, login_as):
    login_as("manager")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/manager/runs/resend-events").status_code == 403
    assert db.session.scalars(select(runs.JobRun)).all() == []
