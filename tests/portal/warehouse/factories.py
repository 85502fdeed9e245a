"""Warehouse test data, made through the real operations (shared with the orders and role tests)."""

from __future__ import annotations

from portal import warehouse
from portal.warehouse.demo import accepted_payload, hand_over
from tests import factories


def opened_kit(order) -> warehouse.Kit:
    """The kit the ``order.accepted`` job would open for ``order`` (with its cookie loaded)."""
    return warehouse.get_kit(warehouse.open_kit(accepted_payload(order.id)).id)


def issued_kit(order, staff=None) -> warehouse.Kit:
    """The warehouse fills, readies and issues the order's kit: the worker may check in (WK-2)."""
    return hand_over(order.id, staff or factories.user("warehouse"))


def new_kit() -> warehouse.Kit:
    """A kit of a fresh order, matched to a worker of its own."""
    from tests.portal.orders.factories import book

    factories.user("worker")
    return opened_kit(book())
