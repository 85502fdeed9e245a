"""The warehouse's jobs with a real Dramatiq worker: kits open from order.accepted, the bakery
is called once per kit however often it is retried, cookies go late, kits follow their order."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from jobs.events import handle_event
from jobs.schedule import periodic_jobs
from jobs.warehouse import chase_cookies
from portal import clock, events, orders, warehouse
from portal.db import db as _db, transaction
from portal.notifications import Email
from portal.warehouse.bakery import SandboxBakeryOrder
from tests import factories
from tests.jobs.helpers import is_done
from tests.portal.orders.factories import book
from tests.waiting import wait_for


def _kit(order_id: int):
    _db.session.rollback()  # see the worker's latest commits
    kit = _db.session.scalar(select(warehouse.Kit.id).where(warehouse.Kit.order_id == order_id))
    return warehouse.get_kit(kit) if kit else None


def _cookie_state(order_id: int):
    kit = _kit(order_id)
    return kit.cookie.state if kit else None


def _bakery_books() -> list[SandboxBakeryOrder]:
    _db.session.rollback()
    return list(_db.session.scalars(select(SandboxBakeryOrder)))


def _accepted_event(order_id: int) -> events.OutboxEvent:
    return next(e for e in _db.session.scalars(select(events.OutboxEvent)
                                               .where(events.OutboxEvent.name == "order.accepted"))
                if e.payload["order_id"] == order_id)


@pytest.fixture
def bakery(app, monkeypatch):
    """Set the sandbox bakery's manners for this test: ``bakery(failure_rate=1.0)``."""

    def manners(failure_rate: float = 0.0, lost_answer_rate: float = 0.0) -> None:
        monkeypatch.setitem(app.config, "BAKERY_FAILURE_RATE", failure_rate)
        monkeypatch.setitem(app.config, "BAKERY_LOST_ANSWER_RATE", lost_answer_rate)

    return manners


def test_the_cookie_check_is_scheduled():
    assert "warehouse.chase_cookies" in {job.name for job in periodic_jobs()}


def test_an_accepted_order_gets_a_kit_and_a_cookie_expected_ten_minutes_later(db, jobs_worker):
    clock.freeze(clock.now().replace(microsecond=0))
    factories.user("worker")
    order = book(client=factories.user("client", name="Tom Tabby"), address="12 Catnip Lane")
    wait_for(lambda: _cookie_state(order.id) == "expected", message="the bakery's answer")
    kit = _kit(order.id)
    assert kit.cookie.expected_at == clock.now() + timedelta(minutes=10)
    [baked] = _bakery_books()
    assert (baked.idempotency_key, baked.client_name, baked.address) == (
        f"kit-{kit.id}", "Tom Tabby", "12 Catnip Lane")


def test_a_duplicated_order_accepted_opens_one_kit_and_orders_one_cookie(db, jobs_worker):
    factories.user("worker")
    order = book()
    wait_for(lambda: _cookie_state(order.id) == "expected", message="the first kit and cookie")
    event = _accepted_event(order.id)
    # The same event delivered again, and a copy published again under a new id.
    handle_event.send(event.id, "warehouse.open_kit")
    with transaction():
        copy = events.publish("order.accepted", dict(event.payload))
    copy_id = copy.id
    wait_for(lambda: is_done(copy_id), message="the copy to be handled")
    assert _db.session.scalar(select(func.count(warehouse.Kit.id))) == 1
    [baked] = _bakery_books()
    assert baked.calls == 1


def test_the_bakery_down_for_a_while_is_retried_and_the_order_goes_on(db, jobs_worker, bakery, client):
    bakery(failure_rate=1.0)
    factories.user("worker")
    order = book()
    wait_for(lambda: (_kit(order.id) and _kit(order.id).cookie.attempts >= 3), message="a few refused tries")
    kit = _kit(order.id)
    assert kit.cookie.state == "requested" and "503" in kit.cookie.last_error
    assert _bakery_books() == []
    # The order flow does not wait for the bakery: the order is assigned, its kit on the board.
    assert orders.order_detail(order.id, factories.user("manager")).order.state == "assigned"
    staff = factories.user("warehouse")
    client.post("/login", data={"email": staff.email, "password": factories.PASSWORD})
    assert b"the bakery does not answer" in client.get("/warehouse/").data
    bakery(failure_rate=0.0)
    wait_for(lambda: _cookie_state(order.id) == "expected", message="the bakery to answer")
    assert len(_bakery_books()) == 1


def test_a_retry_after_a_lost_answer_gets_the_same_cookie_not_a_second_one(db, jobs_worker, bakery):
    bakery(lost_answer_rate=1.0)
    factories.user("worker")
    order = book()
    wait_for(lambda: _bakery_books() and _bakery_books()[0].calls >= 2, message="baked, answer lost, asked again")
    assert _cookie_state(order.id) == "requested"
    bakery()
    wait_for(lambda: _cookie_state(order.id) == "expected", message="the answer to arrive")
    [baked] = _bakery_books()
    assert _kit(order.id).cookie.expected_at == baked.expected_at


def test_a_cookie_past_its_time_is_marked_late(db, jobs_worker):
    clock.freeze(clock.now())
    factories.user("worker")
    order = book()
    wait_for(lambda: _cookie_state(order.id) == "expected", message="the bakery's answer")
    clock.advance(timedelta(minutes=11))
    chase_cookies.send()
    wait_for(lambda: _cookie_state(order.id) == "late", message="the cookie to be late")


def test_a_cancelled_order_cancels_its_kit(db, jobs_worker):
    factories.user("worker")
    order = book()
    wait_for(lambda: _kit(order.id), message="the kit")
    orders.cancel_order(order.id, _db.session.get(factories.User, order.client_id))
    wait_for(lambda: _kit(order.id).state == "cancelled", message="the kit to be cancelled")


def test_ready_emails_the_worker_and_issued_shows_in_the_order_timeline(db, jobs_worker):
    worker = factories.user("worker", language="ru")
    order = book()
    kit = wait_for(lambda: _kit(order.id), message="the kit")
    staff = factories.user("warehouse", name="Barsik Shelves")
    warehouse.mark_cookie_received(kit.id, staff)
    warehouse.mark_ready(kit.id, staff)
    email = wait_for(lambda: _db.session.rollback() or _db.session.scalar(
        select(Email).where(Email.template == "kit_ready")), message="the pickup email")
    assert email.to == worker.email and email.language == "ru"
    warehouse.issue_kit(kit.id, staff)

    def timeline():
        _db.session.rollback()
        return [(entry.kind, name) for entry, name in orders.order_detail(order.id, worker).timeline]

    wait_for(lambda: ("kit_issued", "Barsik Shelves") in timeline(), message="the timeline entry")
