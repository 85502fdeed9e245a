"""Demo orders: weeks of them played through the real operations on a walk through time
(``portal.demo.Walk``), and the orders a jump of the demo clock skips, played out the same way."""

from __future__ import annotations

import io
import random
import secrets
from datetime import datetime, timedelta
from typing import Callable

from PIL import Image, ImageDraw
from sqlalchemy import func, or_, select

from portal.db import db
from portal.money import Money
from portal.orders import operations as ops
from portal.orders import rules
from portal.orders.models import Order
from portal.orders.service_types import create_service_type
from portal.people.models import User

SERVICES = [
    ("cleaning", "Cleaning", "Уборка", "Dusting, vacuuming, tidying up.", "Пыль, пылесос, порядок.", 100),
    ("gardening", "Gardening", "Сад", "Watering, weeding, mowing.", "Полив, прополка, газон.", 120),
    ("pet-sitting", "Pet sitting", "Присмотр за питомцами", "Feeding and playing with your pets.",
     "Кормление и игры с питомцами.", 90),
    ("shopping", "Shopping", "Покупки", "Groceries delivered to your door.", "Продукты к вашей двери.", 80),
]
CLIENTS = ("client@mcf.test", "client.ru@mcf.test", "felix@mcf.test", "luna@mcf.test")
CHORES = ["Tidy the living room", "Water the roses", "Feed the goldfish", "Buy milk and fish"]
# What people write is in their own language.
CHORES_RU = ["Прибрать в гостиной", "Полить розы", "Покормить золотую рыбку", "Купить молока и рыбы"]
PROBLEM = {"en": "A vase is broken.", "ru": "Разбита ваза."}
PRAISE = {"en": "Purrfect work", "ru": "Мурр, отлично!"}

HandOver = Callable[[Order], None]
# Called four hours before an assigned order's start with (order id, its place in the walk).
Bet = Callable[[int, int], None]


def _photo(text: str) -> bytes:
    """A picture never seen before, also across restarts: random blocks, so that its difference
    hash differs too (a reused or merely recoloured photo is refused)."""
    seed = secrets.token_hex(4)
    rnd = random.Random(seed)
    img = Image.new("RGB", (480, 360), (rnd.randint(150, 240), rnd.randint(150, 240), rnd.randint(150, 240)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rnd.randrange(0, 440), rnd.randrange(0, 320)
        draw.rectangle((x, y, x + rnd.randint(40, 200), y + rnd.randint(40, 160)),
                       fill=tuple(rnd.randint(0, 255) for _ in range(3)))
    draw.text((20, 20), f"{text} {seed}", fill=(30, 30, 30))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


# --- what happens to an order --------------------------------------------------------------

def _plan(walk, order: Order, i: int, hand_over: HandOver, bet: Bet) -> None:
    """Plan the rest of ``order``'s life on ``walk``, as a real week would go: most are done
    with photos, about one in seven is cancelled by the client, one in nine is a no-show.
    ``i`` (the order's place in the walk) picks which, so every walk has a mix."""
    order_id, start, end = order.id, order.starts_at, order.ends_at
    if order.state == "awaiting_worker":
        def retry():
            ops.match_order(order_id)
            again = db.session.get(Order, order_id)
            if again.state == "assigned":
                _plan(walk, again, i, hand_over, bet)
        walk.at(start - timedelta(hours=2), retry)
        walk.at(start, lambda: ops.expire_unmatched(order_id))  # nothing if a worker was found
        return
    if order.state == "in_progress":
        walk.at(end, lambda: _finish(order_id, i))
        return
    if order.state != "assigned":
        return
    walk.at(start - timedelta(hours=4), lambda: bet(order_id, i))  # before any cancellation
    if i % 7 == 3:
        walk.at(start - timedelta(hours=3), lambda: ops.cancel_order(order_id, _person(order.client_id)))
    elif i % 9 == 5:
        walk.at(rules.no_show_deadline(order), lambda: ops.fail_no_show(order_id))
    else:
        walk.at(start - timedelta(hours=1), lambda: hand_over(db.session.get(Order, order_id)))
        walk.at(start - timedelta(minutes=5), lambda: ops.check_in(
            order_id, _person(order.worker_id), _photo("check-in")))
        walk.at(end, lambda: _finish(order_id, i))


def _finish(order_id: int, i: int) -> None:
    order = db.session.get(Order, order_id)
    ops.finish_order(order_id, _person(order.worker_id), _photo("signed report"))
    client = _person(order.client_id)
    language = "ru" if client.language == "ru" else "en"
    if i % 8 == 2:
        ops.report_problem(order_id, client, PROBLEM[language])
    elif i % 3 != 2:
        ops.rate_order(order_id, client, 4 + i % 2, PRAISE[language])


def _person(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None


# --- a jump of the demo clock ----------------------------------------------------------------

def _skipped(until: datetime):
    """Orders a jump to ``until`` plays out: waiting or assigned ones starting by then (also any
    overdue), and those in progress."""
    return or_(Order.state == "in_progress",
               Order.state.in_(("awaiting_worker", "assigned")) & (Order.starts_at <= until))


def count_to_play_out(until: datetime) -> int:
    return db.session.scalar(select(func.count(Order.id)).where(_skipped(until))) or 0


def play_out(walk, until: datetime, hand_over: HandOver, bet: Bet) -> int:
    """Plan on ``walk`` what happens to every order whose time falls before ``until``, in
    start order; returns how many."""
    skipped = list(db.session.scalars(select(Order).where(_skipped(until)).order_by(Order.starts_at, Order.id)))
    for i, order in enumerate(skipped):
        _plan(walk, order, i, hand_over, bet)
    return len(skipped)


# --- first start ----------------------------------------------------------------------------

def load_orders(walk, people: dict[str, User], since: datetime, until: datetime, hand_over: HandOver,
                bet: Bet) -> None:
    """Service types, then on ``walk``: an order a day from ``since`` to ``until``, each booked
    a day or three ahead and played out; one in progress now; assigned ones in the coming days;
    and twice every worker busy at one hour: last week's extra order found nobody and ended,
    next week's still waits."""
    services = [create_service_type(code, en, ru, den, dru, Money.cu(price))
                for code, en, ru, den, dru, price in SERVICES]
    clients = [people[email] for email in CLIENTS]
    counter = iter(range(10_000))

    def book(client: User, service, start: datetime, booked_at: datetime, what: str, hours: int = 2,
             done: bool = False) -> None:
        def step():
            order = ops.book_order(client, service.id, what, client.address or "1 Demo Street", start, hours)
            _plan(walk, order, 0 if done else next(counter), hand_over, bet)  # 0: done by its worker
        walk.at(max(booked_at, since), step)

    days = (until - since).days
    for day in range(1, days):
        start = (since + timedelta(days=day)).replace(hour=8 + day % 9, minute=0)
        client = clients[day % len(clients)]
        chores = CHORES_RU if client.language == "ru" else CHORES
        book(client, services[day % len(services)], start,
             booked_at=start - timedelta(days=1 + day % 3, hours=2), what=chores[day % len(chores)])
    book(clients[0], services[0], until - timedelta(minutes=20), until - timedelta(days=1),
         "Deep clean the kitchen", hours=3, done=True)
    for i, client in enumerate(clients):
        book(client, services[i % len(services)], until + timedelta(days=1 + i, hours=2),
             until - timedelta(hours=2), "Weekly help", done=True)
    workers = db.session.scalar(select(func.count(User.id)).where(User.role == "worker", User.active.is_(True)))
    for crowded, booked_at in ((until - timedelta(days=4), until - timedelta(days=6)),
                               (until + timedelta(days=6), until - timedelta(hours=1))):
        for i in range(workers + 1):
            book(clients[i % len(clients)], services[1], crowded, booked_at, "Garden party preparations",
                 done=True)
