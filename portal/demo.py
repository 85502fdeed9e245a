"""Demo data for ``make run``: loaded once, on an empty database."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.applicants.demo import load_applicants
from portal.db import db
from portal.people import User
from portal.orders.demo import load_orders
from portal.people.demo import load_people
from portal.warehouse import demo as warehouse_demo


def is_loaded() -> bool:
    return (db.session.scalar(select(func.count(User.id))) or 0) > 0


def load() -> None:
    """Every context's demo rows, in dependency order."""
    people = load_people()
    staff = people[warehouse_demo.STAFF]
    # Check-in needs the kit issued: the demo hands it over before working an order.
    load_orders(people, before_check_in=lambda order: warehouse_demo.hand_over(order.id, staff))
    warehouse_demo.load_kits(people)
    load_applicants(people)
