from datetime import timedelta

import pytest

from portal import clock, orders
from portal.errors import Conflict, DomainError, NotFound
from portal.events import OutboxEvent
from portal.db import db
from sqlalchemy import select
from tests import factories
from tests.portal.orders.factories import book, photo, refresh, service_type
from tests.portal.warehouse.factories import issued_kit


def events(name):
    return [e.payload for e in db.session.scalars(select(OutboxEvent).where(OutboxEvent.name == name))]


def timeline(order):
    return [(e.kind, e.from_state, e.to_state) for e in db.session.scalars(
        select(orders.TimelineEntry).where(orders.TimelineEntry.order_id == order.id)
        .order_by(orders.TimelineEntry.id))]


def test_booking_matches_a_free_worker_at_once(db):
    worker = factories.user("worker")
    order = book()
    assert order.state == "assigned" and order.worker_id == worker.id
    assert order.price_cents == 10_000
    assert [k for k, *_ in timeline(order)] == ["booked", "assigned"]
    accepted = events("order.accepted")
    assert len(accepted) == 1 and accepted[0]["worker_id"] == worker.id


def test_without_a_free_worker_the_order_waits_and_the_retry_assigns_it(db):
    order = book()
    assert order.state == "awaiting_worker" and order.worker_id is None
    assert orders.waiting_order_ids() == [order.id]
    worker = factories.user("worker")
    assert orders.match_order(order.id) is True
    assert refresh(order).worker_id == worker.id


def test_a_busy_or_deactivated_worker_is_not_matched(db):
    worker = factories.user("worker")
    first = book()
    assert first.worker_id == worker.id
    second = book()  # same slot
    assert second.state == "awaiting_worker"
    factories.user("worker", active=False)
    assert orders.match_order(second.id) is False


def test_bad_input_writes_nothing(db):
    client = factories.user("client")
    service = service_type()
    with pytest.raises(DomainError) as exc:
        orders.book_order(client, service.id, "", "x", clock.now() + timedelta(days=1))
    assert exc.value.field == "description"
    with pytest.raises(DomainError) as exc:
        orders.book_order(client, service.id, "do", "x", clock.now() - timedelta(minutes=1))
    assert exc.value.field == "date"
    inactive = service_type(active=False)
    with pytest.raises(DomainError) as exc:
        orders.book_order(client, inactive.id, "do", "x", clock.now() + timedelta(days=1))
    assert exc.value.field == "service_type"
    assert db.session.scalar(select(orders.Order.id)) is None


def test_full_lifecycle_records_every_transition_and_one_finished_event(db):
    worker = factories.user("worker")
    order = book(hours_ahead=1)
    issued_kit(order)
    clock.freeze(order.starts_at - timedelta(minutes=10))
    orders.check_in(order.id, worker, photo())
    orders.finish_order(order.id, worker, photo())
    assert refresh(order).state == "completed"
    assert timeline(order)[-2:] == [("checked_in", "assigned", "in_progress"),
                                     ("completed", "in_progress", "completed")]
    finished = events("order.finished")
    assert len(finished) == 1 and finished[0]["outcome"] == "completed"
    assert finished[0]["price_cents"] == 10_000 and finished[0]["worker_id"] == worker.id


def test_check_in_opens_30_minutes_before_the_start(db):
    worker = factories.user("worker")
    order = book(hours_ahead=3)
    clock.freeze(order.starts_at - timedelta(minutes=31))
    with pytest.raises(DomainError, match="30 minutes before"):
        orders.check_in(order.id, worker, photo())
    assert refresh(order).state == "assigned"


def test_a_refused_transition_changes_nothing(db):
    worker = factories.user("worker")
    order = book(hours_ahead=1)
    client = db.session.get(factories.User, order.client_id)
    orders.cancel_order(order.id, client)
    with pytest.raises(Conflict, match="cancelled"):
        orders.check_in(order.id, worker, photo())
    with pytest.raises(Conflict):
        orders.cancel_order(order.id, client)
    assert refresh(order).state == "cancelled"
    assert len(events("order.finished")) == 1


def test_another_client_or_worker_cannot_touch_the_order(db):
    factories.user("worker")
    order = book(hours_ahead=1)
    with pytest.raises(NotFound):
        orders.cancel_order(order.id, factories.user("client"))
    with pytest.raises(NotFound):
        orders.check_in(order.id, factories.user("worker"), photo())
    assert refresh(order).state == "assigned"


def test_no_show_fails_the_order_and_the_client_may_rebook_with_another_worker(db):
    first = factories.user("worker")
    order = book(hours_ahead=1)
    client = db.session.get(factories.User, order.client_id)
    clock.freeze(order.starts_at + timedelta(minutes=29))
    assert orders.fail_no_shows() == []
    clock.advance(timedelta(minutes=1))
    assert orders.fail_no_shows() == [order.id]
    assert refresh(order).state == "failed"
    assert events("order.finished")[-1]["outcome"] == "failed"
    second = factories.user("worker")
    again = orders.rebook_order(order.id, client, order.starts_at + timedelta(days=1))
    assert again.worker_id == second.id != first.id
    assert again.rebooked_from_id == order.id
    with pytest.raises(Conflict):
        orders.rebook_order(order.id, client, order.starts_at + timedelta(days=2))


def test_rating_once_after_completion(db):
    worker = factories.user("worker")
    order = book(hours_ahead=0.5)
    issued_kit(order)
    client = db.session.get(factories.User, order.client_id)
    with pytest.raises(Conflict):
        orders.rate_order(order.id, client, 5)
    orders.check_in(order.id, worker, photo())
    orders.finish_order(order.id, worker, photo())
    orders.rate_order(order.id, client, 4, "Neat")
    with pytest.raises(Conflict):
        orders.report_problem(order.id, client, "Actually no")
    assert timeline(order)[-1][0] == "rated"


def test_problem_report_publishes_an_event(db):
    worker = factories.user("worker")
    order = book(hours_ahead=0.5)
    issued_kit(order)
    client = db.session.get(factories.User, order.client_id)
    orders.check_in(order.id, worker, photo())
    orders.finish_order(order.id, worker, photo())
    orders.report_problem(order.id, client, "Plants drowned")
    assert events("problem.reported")[0]["comment"] == "Plants drowned"
