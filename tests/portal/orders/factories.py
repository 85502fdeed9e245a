"""Orders test data, made through the real operations (shared by the orders and role tests)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from portal import clock, orders
from portal.money import Money
from portal.db import db
from tests import factories

_seq = itertools.count(1)
_photo_seq = itertools.count(1)


def service_type(code: str | None = None, price_cents: int = 10_000, active: bool = True,
                 name_en: str | None = None) -> orders.ServiceType:
    n = next(_seq)
    code = code or f"chore{n}"
    return orders.create_service_type(code, name_en or f"Chore {n}", f"Дело {n}", "Help at home",
                                      "Помощь по дому", Money(price_cents),
                                      active)


def photo() -> bytes:
    """A different valid photo each call (reused photos are refused)."""
    n = next(_photo_seq)
    return factories.image_bytes("PNG", size=(40 + n % 50, 30 + n // 50 % 50), colour=(n % 256, 80, 120))


def start_in(hours: float = 24) -> datetime:
    return (clock.now() + timedelta(hours=hours)).replace(microsecond=0)


def book(client=None, service=None, *, hours_ahead: float = 24, hours: int = 2,
         description: str = "Water the plants", address: str = "1 Test Street") -> orders.Order:
    client = client or factories.user("client")
    service = service or service_type()
    return orders.book_order(client, service.id, description, address, start_in(hours_ahead), hours)


def refresh(order: orders.Order) -> orders.Order:
    db.session.expire_all()
    return db.session.get(orders.Order, order.id)
