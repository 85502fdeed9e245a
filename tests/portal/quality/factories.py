"""Quality test data: orders through their real operations, their events as quality hears them."""

from __future__ import annotations

from sqlalchemy import select

from portal import quality
from portal.db import db
from portal.events import OutboxEvent
from tests.portal.bets.factories import accepted_order, complete


def event_payloads(name: str, order_id: int) -> list[dict]:
    return [p for p in db.session.scalars(select(OutboxEvent.payload).where(OutboxEvent.name == name))
            if p["order_id"] == order_id]


def hear_finished(order) -> quality.Case | None:
    """What the order.finished consumer does with this order's event."""
    return quality.record_finished(event_payloads("order.finished", order.id)[0])


def completed_order(client=None):
    order = accepted_order(client)
    complete(order)
    hear_finished(order)
    return order
