"""Orders at each point of their life, for the bets and quality tests (through the real operations)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import clock, orders
from portal.db import db
from tests import factories
from tests.portal.orders.factories import book, photo


@pytest.fixture
def kits_handed_out(monkeypatch):
    """Every kit counts as issued: the warehouse is not what these tests are about."""
    monkeypatch.setattr(orders.rules, "kit_is_issued", lambda order: True)


def accepted_order(client=None) -> orders.Order:
    """An order a worker accepted, one hour ahead (its worker is a new one)."""
    factories.user("worker")
    return book(client=client, hours_ahead=1)


def worker_of(order: orders.Order):
    return db.session.get(factories.User, order.worker_id)


def check_in(order: orders.Order) -> orders.Order:
    """The worker arrives ten minutes before the start and checks in."""
    clock.freeze(order.starts_at - timedelta(minutes=10))
    return orders.check_in(order.id, worker_of(order), photo())


def complete(order: orders.Order) -> orders.Order:
    if order.state == "assigned":
        check_in(order)
    return orders.finish_order(order.id, worker_of(order), photo())


def cancel(order: orders.Order) -> orders.Order:
    return orders.cancel_order(order.id, db.session.get(factories.User, order.client_id))


def fail(order: orders.Order) -> orders.Order:
    """Nobody checks in: the no-show sweep fails the order half an hour after the start."""
    clock.freeze(order.starts_at + timedelta(minutes=31))
    assert orders.fail_no_show(order.id)
    return order
