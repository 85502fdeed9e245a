"""Each worker's record, which matching weighs, follows every outcome and every client's word.

The record is kept as counters by the operations (``portal.orders.records``); whatever
happens to orders, they must equal the same figures counted from the orders themselves.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock, demo, orders
from portal.db import db
from portal.errors import DomainError
from portal.orders import candidates, records, rules
from portal.orders.models import WorkerRecord
from tests import factories
from tests.portal.orders.factories import book, photo, refresh, service_type


@pytest.fixture(autouse=True)
def kits_handed_over(monkeypatch):
    # The warehouse's part of check-in is tested with the warehouse; here every kit is issued.
    monkeypatch.setattr(rules, "kit_is_issued", lambda order: True)


def record_matching_sees(worker) -> dict[str, int]:
    """The worker's record in the sample matching gets for the next booking."""
    probe = orders.Order(id=None, client_id=factories.user("client").id, service_type_id=None,
                         starts_at=clock.now() + timedelta(days=30),
                         ends_at=clock.now() + timedelta(days=30, hours=2), state="awaiting_worker")
    sample = next(s for s in candidates.ordinary_samples(probe) if s.sample_id == worker.id)
    return {name: getattr(sample, name) for name in records.COUNTERS}


def kept_records() -> dict[int, tuple[int, ...]]:
    return {r.worker_id: tuple(getattr(r, name) for name in records.COUNTERS)
            for r in db.session.scalars(select(WorkerRecord))}


def counted_records() -> dict[int, tuple[int, ...]]:
    """The same figures counted over every order; workers with nothing to count left out."""
    counted = {row.worker_id: tuple(row._mapping[name] for name in records.COUNTERS)
               for row in db.session.execute(records.counted_records())}
    return {worker_id: figures for worker_id, figures in counted.items() if any(figures)}


def client_of(order):
    return db.session.get(factories.User, order.client_id)


def worker_of(order):
    return db.session.get(factories.User, order.worker_id)


def done(order):
    """The worker checks in and finishes ``order`` (booked to start within half an hour)."""
    orders.check_in(order.id, worker_of(order), photo())
    return orders.finish_order(order.id, worker_of(order), photo())


def test_completions_ratings_problems_failures_and_cancellations_count_for_the_worker(db):
    worker = factories.user("worker")
    assert record_matching_sees(worker) == dict.fromkeys(records.COUNTERS, 0)

    rated = done(book(hours_ahead=0.5))
    orders.rate_order(rated.id, client_of(rated), 4, "Tidy")
    disputed = done(book(hours_ahead=0.5))
    orders.report_problem(disputed.id, client_of(disputed), "The vase is broken")
    cancelled = book(hours_ahead=3)
    orders.cancel_order(cancelled.id, client_of(cancelled))
    no_show = book(hours_ahead=1)
    # Booked while the worker is taken: nobody is assigned, so the cancellation is nobody's.
    unmatched = book(hours_ahead=1)
    assert unmatched.worker_id is None
    orders.cancel_order(unmatched.id, client_of(unmatched))
    clock.freeze(no_show.starts_at + rules.no_show_grace())
    assert orders.fail_no_shows() == [no_show.id]

    assert record_matching_sees(worker) == {
        "completed": 2, "failed": 1, "cancelled": 1, "disputes": 1, "rating_sum": 4, "rating_count": 1,
    }
    assert kept_records() == counted_records()


def test_a_refused_rating_changes_no_record(db):
    worker = factories.user("worker")
    order = done(book(hours_ahead=0.5))
    orders.rate_order(order.id, client_of(order), 5)
    with pytest.raises(DomainError):
        orders.rate_order(order.id, client_of(order), 1)
    with pytest.raises(DomainError):
        orders.report_problem(order.id, client_of(order), "On second thoughts")
    assert record_matching_sees(worker)["rating_sum"] == 5
    assert record_matching_sees(worker)["disputes"] == 0


@pytest.mark.parametrize("seed", range(4))
def test_the_records_equal_the_orders_after_any_sequence_of_operations(db, seed):
    rng = random.Random(seed)
    for _ in range(3):
        factories.user("worker")
    clients = [factories.user("client") for _ in range(3)]
    services = [service_type() for _ in range(2)]

    def pick(*states):
        found = db.session.scalars(select(orders.Order).where(orders.Order.state.in_(states))
                                   .order_by(orders.Order.id)).all()
        return rng.choice(found) if found else None

    def book_one():
        book(rng.choice(clients), rng.choice(services), hours_ahead=rng.uniform(0.2, 6))

    def check_in():
        if order := pick("assigned"):
            clock.freeze(max(clock.now(), rules.check_in_opens_at(order)))
            orders.check_in(order.id, worker_of(order), photo())

    def finish():
        if order := pick("in_progress"):
            orders.finish_order(order.id, worker_of(order), photo())

    def cancel():
        if order := pick("awaiting_worker", "assigned", "in_progress"):
            orders.cancel_order(order.id, client_of(order))

    def time_passes():
        clock.freeze(clock.now() + timedelta(minutes=rng.randint(10, 120)))
        orders.fail_no_shows()
        for order_id in orders.waiting_order_ids():
            orders.match_order(order_id)

    def give_word():
        if order := pick("completed"):
            if rng.random() < 0.7:
                orders.rate_order(order.id, client_of(order), rng.randint(1, 5))
            else:
                orders.report_problem(order.id, client_of(order), "Not as agreed")

    def rebook():
        if order := pick("failed"):
            orders.rebook_order(order.id, client_of(order), clock.now() + timedelta(hours=rng.uniform(1, 5)))

    clock.freeze(clock.now())
    steps = [book_one] * 4 + [check_in] * 3 + [finish] * 3 + [cancel, time_passes, time_passes,
                                                                give_word, give_word, rebook]
    for _ in range(45):
        try:
            rng.choice(steps)()
        except DomainError:
            pass  # a refusal writes nothing, so the records must still agree
        db.session.expire_all()
    finished = db.session.scalars(select(orders.Order.id).where(
        orders.Order.state.in_(orders.FINAL_STATES), orders.Order.worker_id.is_not(None))).all()
    assert finished, "the sequence should finish some orders"
    assert kept_records() == counted_records()


def test_recount_rebuilds_the_records_from_the_orders(db):
    worker = factories.user("worker")
    order = done(book(hours_ahead=0.5))
    orders.rate_order(order.id, client_of(order), 3)
    before = kept_records()
    db.session.execute(WorkerRecord.__table__.delete())
    assert record_matching_sees(worker)["completed"] == 0
    records.recount()
    db.session.commit()
    assert kept_records() == before == counted_records()
    assert refresh(order).state == "completed"


def test_the_demo_workers_have_their_records(db):
    demo.load()  # through the operations, like real use
    assert kept_records() == counted_records()
    assert sum(figures[0] for figures in kept_records().values()) > 0  # completed orders count
