"""Two racing clicks leave exactly one result: real threads, each with its own app context
and database connection (row locks on PostgreSQL, the write lock on SQLite)."""

from datetime import timedelta

from sqlalchemy import select

from portal import clock, orders
from portal.db import db as _db
from portal.errors import DomainError
from portal.events import OutboxEvent
from tests import factories
from tests.portal.orders.factories import book, photo, refresh, service_type
from tests.portal.warehouse.factories import issued_kit
from tests.racing import race, race_same, user


def _finished_events(order_id: int) -> int:
    return sum(1 for payload in _db.session.scalars(
        select(OutboxEvent.payload).where(OutboxEvent.name == "order.finished"))
        if payload["order_id"] == order_id)


def test_cancel_racing_check_in_leaves_one_result(app, db):
    worker_id = factories.user("worker").id
    order = book(hours_ahead=0.25)
    issued_kit(order)
    pictures = photo()
    for round_ in range(5):
        order_id, client_id = order.id, order.client_id
        results = race(app, lambda: orders.cancel_order(order_id, user(client_id)),
                        lambda: orders.check_in(order_id, user(worker_id), pictures))
        winners = [r for r in results if not isinstance(r, DomainError)]
        assert len(winners) == 1, results
        final = refresh(order)
        assert final.state in ("cancelled", "in_progress")
        assert _finished_events(order.id) == (1 if final.state == "cancelled" else 0)
        # Next round on a fresh order, a day later.
        order = book(hours_ahead=24 * (round_ + 1) + 0.25)
        issued_kit(order)
        clock.freeze(order.starts_at - timedelta(minutes=5))
        pictures = photo()


def test_ten_clicks_on_cancel_cancel_once(app, db):
    factories.user("worker")
    order = book()
    order_id, client_id = order.id, order.client_id
    results = race_same(app, lambda: orders.cancel_order(order_id, user(client_id)))
    assert sum(not isinstance(r, DomainError) for r in results) == 1
    assert _finished_events(order.id) == 1


def test_two_bookings_racing_for_the_only_worker_never_double_book(app, db):
    factories.user("worker")
    service_id = service_type().id
    clients = [factories.user("client").id for _ in range(4)]
    start = (clock.now() + timedelta(days=1)).replace(microsecond=0)
    results = race(app, *[
        (lambda c=c: orders.book_order(user(c), service_id, "Dust", "1 Street", start, 2))
        for c in clients])
    assert all(isinstance(r, orders.Order) for r in results), results
    states = sorted(_db.session.scalars(select(orders.Order.state)))
    assert states == ["assigned", "awaiting_worker", "awaiting_worker", "awaiting_worker"]


def test_the_client_cancelling_as_the_sweep_ends_an_unmatched_order_leaves_one_result(app, db):
    order = book(hours_ahead=1)
    assert order.state == "awaiting_worker"
    clock.freeze(order.starts_at)
    order_id, client_id = order.id, order.client_id
    results = race(app, lambda: orders.expire_unmatched(order_id),
                    lambda: orders.cancel_order(order_id, user(client_id)))
    final = refresh(order).state
    assert final in ("expired", "cancelled")
    expired, cancelled = results
    if final == "expired":
        assert expired is True and isinstance(cancelled, DomainError)
    else:
        assert expired is False and not isinstance(cancelled, Exception)
    assert _finished_events(order_id) == (1 if final == "cancelled" else 0)
    endings = _db.session.scalars(select(orders.TimelineEntry.kind).where(
        orders.TimelineEntry.order_id == order_id, orders.TimelineEntry.kind.in_(("expired", "cancelled")))).all()
    assert endings == [final]
