"""One user's action followed through web, events and jobs, with a real Dramatiq worker; and
the jobs' own metrics."""

from __future__ import annotations

from datetime import timedelta

import dramatiq
import pytest
from sqlalchemy import select

from jobs.broker import broker
from jobs.relay import sweep_outbox
from portal import clock, events, logs, metrics
from portal.db import transaction
from tests import factories
from tests.jobs.helpers import echo, is_done, relay_off
from tests.portal.orders.factories import service_type
from tests.waiting import wait_for


@dramatiq.actor(queue_name="telemetry-test", max_retries=0)
def knock_over_the_vase(n: int) -> None:
    """A job that fails (and is not retried)."""
    raise RuntimeError(f"vase {n} is broken")


@dramatiq.actor(queue_name="telemetry-test", max_retries=0)
def purr() -> None:
    """A job that succeeds."""


def _jobs_counted(actor: str, outcome: str) -> float:
    return metrics.jobs.labels(actor, "telemetry-test", outcome)._value.get()


def test_a_bookings_request_id_is_in_the_lines_of_the_jobs_it_caused(client, login_as, db, jobs_worker, log_lines):
    login_as("client")
    factories.user("worker")
    service = service_type()
    when = clock.now() + timedelta(days=1)
    set_up = set(db.session.scalars(select(events.OutboxEvent.id)))  # the service type's event
    response = client.post("/client/orders/new", data={
        "service_type": service.id, "description": "Feed the fish", "address": "5 Pond Road",
        "date": when.date().isoformat(), "time": when.strftime("%H:%M"), "hours": 2})
    assert response.status_code == 303
    rid = response.headers["X-Request-ID"]

    def followed() -> list[str]:
        return [line.get("actor") for line in log_lines() if line["request_id"] == rid and line["logger"] == "jobs"]

    # The booking's events (one message for the commit's events), and one hop further the
    # event of the emails its consumers queued, whose message also delivers them: two
    # messages at least.
    wait_for(lambda: sum(actor in ("handle_event", "handle_events") for actor in followed()) >= 2, timeout=30,
             message=f"job lines with request id {rid}")
    lines = [line for line in log_lines() if line["request_id"] == rid]
    # The request's own line (the worker may have written some before it: the events were
    # relayed at the commit, before the response), and then only the jobs'.
    (web,) = [line for line in lines if line["logger"] == "portal.requests"]
    assert web["route"] == "/client/orders/new" and web["status"] == 303
    # Jobs' own lines (the bakery's answer, logged by jobs.warehouse, when it comes in time)
    # carry the id and their message too; each message's outcome line is the "jobs" logger's.
    for line in lines:
        if line is not web:
            assert line["logger"].startswith("jobs") and line["message_id"]
    job_lines = [line for line in lines if line["logger"] == "jobs"]
    for line in job_lines:
        assert line["outcome"] == "succeeded"
    # Each job's line names its own message: one line per message handled.
    assert len({line["message_id"] for line in job_lines}) == len(job_lines)
    # Every event it caused keeps the id too: the booking's own and those its consumers published.
    db.session.rollback()
    published = db.session.execute(select(events.OutboxEvent.name, events.OutboxEvent.request_id)
                                   .where(events.OutboxEvent.id.not_in(set_up))).all()
    assert {"order.accepted", "emails.queued"} <= {name for name, _ in published}  # the client's and the worker's
    assert {request_id for _, request_id in published} == {rid}, published


def test_an_event_the_sweep_resends_keeps_the_request_id_it_was_published_under(db, jobs_worker, consumers,
                                                                                 log_lines):
    consumers("test.happened")(echo)
    clock.freeze(clock.now())
    with logs.bound(request_id="booking-42"), relay_off():  # committed, but the relay never sent it
        with transaction():
            event_id = events.publish("test.happened", {"n": 1}).id
    clock.advance(timedelta(seconds=31))
    sweep_outbox()  # the scheduler's job: no request of its own
    wait_for(lambda: is_done(event_id), message="the re-sent event handled")
    # The job's line comes just after its commit.
    handled = wait_for(lambda: [x for x in log_lines() if x.get("actor") == "handle_event" and x["logger"] == "jobs"])
    assert {x["request_id"] for x in handled} == {"booking-42"}
    echoed = db.session.scalar(select(events.OutboxEvent.request_id).where(events.OutboxEvent.name == "test.echoed"))
    assert echoed == "booking-42"


def test_a_job_sent_outside_any_request_logs_its_actor_and_message_without_a_request_id(jobs_worker, log_lines):
    message = purr.send()
    broker.join("telemetry-test", timeout=20_000)
    line = wait_for(lambda: next((x for x in log_lines() if x.get("message_id") == message.message_id), None))
    assert line["actor"] == "purr" and line["request_id"] is None
    assert line["message"].startswith("purr succeeded in ")


def test_jobs_are_counted_by_actor_and_outcome_and_timed(jobs_worker, log_lines):
    failed, succeeded = _jobs_counted("knock_over_the_vase", "failed"), _jobs_counted("purr", "succeeded")
    timed = metrics.job_duration.labels("purr", "telemetry-test")
    seen = sum(bucket.get() for bucket in timed._buckets)
    knock_over_the_vase.send(1)
    purr.send()
    purr.send()
    wait_for(lambda: _jobs_counted("knock_over_the_vase", "failed") - failed == 1
             and _jobs_counted("purr", "succeeded") - succeeded == 2
             and sum(bucket.get() for bucket in timed._buckets) - seen == 2, timeout=20)
    (warning,) = wait_for(lambda: [x for x in log_lines()
                                   if x.get("actor") == "knock_over_the_vase" and x["logger"] == "jobs"])
    assert warning["level"] == "WARNING" and warning["outcome"] == "failed"
    # Dramatiq's own line about the failure names the message too, with its traceback.
    (error,) = wait_for(lambda: [x for x in log_lines()
                                 if x.get("actor") == "knock_over_the_vase" and x["level"] == "ERROR"])
    assert error["message_id"] == warning["message_id"] and "vase 1 is broken" in error["exception"]


@pytest.fixture
def scraped(app, client):
    app.config["METRICS_TOKEN"] = "t"
    yield lambda: client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)
    app.config["METRICS_TOKEN"] = None


def test_the_metrics_page_shows_the_jobs(jobs_worker, scraped):
    purr.send()
    broker.join("telemetry-test", timeout=20_000)
    wait_for(lambda: 'portal_jobs_total{actor="purr",outcome="succeeded",queue="telemetry-test"}' in scraped())
    assert 'portal_job_duration_seconds_count{actor="purr",queue="telemetry-test"}' in scraped()
