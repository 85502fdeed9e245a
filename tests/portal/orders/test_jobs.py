"""The order actors, run by a real Dramatiq worker, and their place in the schedule."""

from datetime import timedelta

from sqlalchemy import select

from jobs.orders import retry_matching, sweep_no_shows
from jobs.schedule import periodic_jobs
from portal import clock
from portal.notifications import Email
from tests import factories
from tests.portal.orders.factories import book, refresh
from tests.waiting import wait_for


def test_both_sweeps_are_scheduled():
    names = {job.name for job in periodic_jobs()}
    assert {"orders.retry_matching", "orders.no_shows"} <= names


def test_the_retry_job_assigns_a_waiting_order_once_a_worker_is_free(db, jobs_worker):
    order = book()
    assert order.state == "awaiting_worker"
    worker = factories.user("worker")
    retry_matching.send()
    assert wait_for(lambda: refresh(order).worker_id == worker.id, message="the order to be assigned")


def test_the_no_show_sweep_fails_the_order_and_emails_a_rebook_link(db, jobs_worker):
    factories.user("worker")
    client = factories.user("client", language="ru")
    order = book(client=client, hours_ahead=1)
    clock.freeze(order.starts_at + timedelta(minutes=30))
    sweep_no_shows.send()
    assert wait_for(lambda: refresh(order).state == "failed", message="the order to fail")
    email = db.session.scalar(select(Email).where(Email.to == client.email, Email.template == "order_failed"))
    assert f"/client/orders/{order.id}/rebook" in email.text_body
    assert email.language == "ru"


def test_an_order_nobody_was_found_for_ends_at_its_start_with_an_email_and_no_charge(db, jobs_worker):
    from portal.client_billing import Charge
    from portal.events import OutboxEvent

    client = factories.user("client", language="ru")
    order = book(client=client, hours_ahead=3)
    assert order.state == "awaiting_worker"
    clock.freeze(order.starts_at - timedelta(minutes=1))
    retry_matching.send()
    jobs_worker.join()
    assert refresh(order).state == "awaiting_worker"  # still time to find someone
    clock.freeze(order.starts_at)
    retry_matching.send()
    assert wait_for(lambda: refresh(order).state == "expired", message="the order to end unmatched")
    email = db.session.scalar(select(Email).where(Email.to == client.email, Email.template == "order_expired"))
    assert email is not None and email.language == "ru"
    assert "/client/orders/new" in email.text_body
    jobs_worker.join()
    db.session.rollback()
    assert db.session.scalar(select(Charge).where(Charge.order_id == order.id)) is None
    names = set(db.session.scalars(select(OutboxEvent.name).where(OutboxEvent.payload["order_id"].as_integer() == order.id)))
    assert "order.expired" in names and "order.finished" not in names
