"""Demo orders in every state, made through the real operations with a moved clock."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw

from portal import clock
from portal.db import db
from portal.money import Money
from portal.orders import operations as ops
from portal.orders.service_types import create_service_type
from portal.people.models import User

SERVICES = [
    ("cleaning", "Cleaning", "Уборка", "Dusting, vacuuming, tidying up.", "Пыль, пылесос, порядок.", 100),
    ("gardening", "Gardening", "Сад", "Watering, weeding, mowing.", "Полив, прополка, газон.", 120),
    ("pet-sitting", "Pet sitting", "Присмотр за питомцами", "Feeding and playing with your pets.",
     "Кормление и игры с питомцами.", 90),
    ("shopping", "Shopping", "Покупки", "Groceries delivered to your door.", "Продукты к вашей двери.", 80),
]


def _photo(n: int, text: str) -> bytes:
    """A distinct picture per call (reused photos are refused)."""
    img = Image.new("RGB", (480, 360), (200 + n % 50, 180, 140 + (n * 37) % 100))
    ImageDraw.Draw(img).text((20, 20), f"{text} #{n}", fill=(30, 30, 30))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def load_orders(people: dict[str, User], before_check_in=lambda order: None) -> None:
    """Service types, then orders completed, failed, cancelled, in progress, assigned and waiting.

    ``before_check_in(order)`` runs before each check-in (the warehouse hands over the kit).
    """
    real_now = clock.now().replace(second=0, microsecond=0)
    services = [create_service_type(code, en, ru, den, dru, Money.cu(price))
                for code, en, ru, den, dru, price in SERVICES]
    clients = [people[e] for e in ("client@mcf.test", "client.ru@mcf.test", "felix@mcf.test", "luna@mcf.test")]
    photos = iter(range(1, 1000))
    try:
        def book(client, service, start, hours=2, what="Please help"):
            clock.freeze(start - timedelta(days=1))
            return ops.book_order(client, service.id, what, client.address or "1 Demo Street", start, hours)

        def work(order, finish=True):
            worker = db.session.get(User, order.worker_id)
            clock.freeze(order.starts_at - timedelta(minutes=60))
            before_check_in(order)
            clock.freeze(order.starts_at - timedelta(minutes=5))
            ops.check_in(order.id, worker, _photo(next(photos), "check-in"))
            if finish:
                clock.freeze(order.ends_at)
                ops.finish_order(order.id, worker, _photo(next(photos), "signed report"))

        # Past weeks: completed (some rated, one with a problem), a no-show, a cancellation.
        for day in range(14, 2, -1):
            client = clients[day % len(clients)]
            order = book(client, services[day % len(services)], real_now - timedelta(days=day, hours=day % 5),
                         what=["Tidy the living room", "Water the roses", "Feed the goldfish", "Buy milk and fish"][day % 4])
            if day % 5 == 0:
                clock.freeze(order.starts_at + timedelta(minutes=31))
                ops.fail_no_shows()
            elif day % 7 == 0:
                ops.cancel_order(order.id, client)
            else:
                work(order)
                if day % 3 == 0:
                    ops.rate_order(order.id, client, 4 + day % 2, "Purrfect work")
                elif day % 4 == 0:
                    ops.report_problem(order.id, client, "A vase is broken.")
        # Now: one in progress, assigned ones in the coming days, and one still waiting.
        current = book(clients[0], services[0], real_now - timedelta(minutes=20), what="Deep clean the kitchen")
        work(current, finish=False)
        for i, client in enumerate(clients):
            book(client, services[i % len(services)], real_now + timedelta(days=1 + i, hours=2),
                 what="Weekly help")
        # Every worker busy at the same hour: the last booking waits for the matching retry.
        crowded = real_now + timedelta(days=6)
        workers = db.session.query(User).filter(User.role == "worker", User.active.is_(True)).count()
        for i in range(workers + 1):
            book(clients[i % len(clients)], services[1], crowded, what="Garden party preparations")
    finally:
        clock.reset()
