"""The bets consumers with a real Dramatiq worker: books follow the order, settle once, and a
broken bets context never holds up the order flow."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

import jobs.bets
from jobs.events import handle_event
from portal import bets, clock, events
from portal.db import db as _db
from portal.money import Money
from tests import factories
from tests.portal.bets.factories import accepted_order, check_in, complete, kits_handed_out  # noqa: F401
from tests.portal.orders.factories import refresh
from tests.waiting import wait_for

pytestmark = pytest.mark.usefixtures("kits_handed_out")


def book_state(order_id: int) -> str:
    state = bets.book_view(order_id).state
    _db.session.rollback()  # the next look sees the worker's later commits
    return state


def finished_event(order_id: int) -> str:
    return _db.session.scalar(select(events.OutboxEvent.id).where(
        events.OutboxEvent.name == "order.finished",
        events.OutboxEvent.payload["order_id"].as_integer() == order_id))


def test_the_book_opens_at_acceptance_closes_at_check_in_and_settles_at_the_end(db, jobs_worker):
    order = accepted_order()
    wait_for(lambda: book_state(order.id) == "open", message="the book to open")
    manager = factories.user("manager")
    bets.place_bet(order.id, manager, "completed", Money.cu(12))
    check_in(order)
    wait_for(lambda: book_state(order.id) == "closed", message="the book to close at check-in")
    complete(order)
    wait_for(lambda: book_state(order.id) == "settled", message="the settlement")
    assert bets.leaderboard()[0].net == Money.zero()  # alone on the winner: the stake comes back


def test_the_finished_event_delivered_three_times_at_once_settles_once(app, db):
    """Real threads, each with its own connection (row locks on PostgreSQL)."""
    order = accepted_order()
    bets.open_book(order.id, order.assigned_at)
    a, b = factories.user("manager"), factories.user("manager")
    bets.place_bet(order.id, a, "completed", Money(100))
    bets.place_bet(order.id, b, "completed", Money(50))
    complete(order)
    event_id = finished_event(order.id)
    _db.session.commit()
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def deliver():
        with app.app_context():
            barrier.wait()
            try:
                handle_event.fn(event_id, "bets.settle_book")
            except Exception as exc:  # noqa: BLE001 - a lost race is retried by Dramatiq
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    # A delivery that lost the race is retried; the retry finds the event handled.
    for _ in errors:
        handle_event.fn(event_id, "bets.settle_book")
    _db.session.rollback()
    view = bets.book_view(order.id)
    assert view.settled and sum(bet.payout_cents for bet in view.bets) == 150
    assert {t.manager_id: t.won for t in bets.leaderboard()} == {a.id: Money.zero(), b.id: Money.zero()}
    # Even a second, different delivery of the news (a re-publish) changes nothing.
    assert bets.settle_book(order.id, "failed", clock.now()) is None


def test_a_broken_bets_consumer_neither_stops_the_order_nor_loses_the_settlement(db, jobs_worker, monkeypatch):
    broken = threading.Event()
    broken.set()
    settle = bets.settle_book

    def settle_unless_broken(*args):
        if broken.is_set():
            raise RuntimeError("bets are down")
        return settle(*args)

    monkeypatch.setattr(jobs.bets.bets, "settle_book", settle_unless_broken)
    order = accepted_order()
    wait_for(lambda: book_state(order.id) == "open", message="the book to open")
    bets.place_bet(order.id, factories.user("manager"), "completed", Money.cu(5))
    complete(order)
    assert refresh(order).state == "completed"  # the order flow did not wait for bets
    assert book_state(order.id) != "settled"
    broken.clear()  # bets recover: Dramatiq's retry settles the pool
    wait_for(lambda: book_state(order.id) == "settled", message="the settlement after recovery")
