"""Scale data for benchmarks: workers, clients and past orders, inserted in bulk.

``flask --app wsgi generate --workers 10000 --clients 2000 --orders 100000`` calls
``generate``. Rows go straight into the people and orders tables with set-based inserts
(one multi-row statement per batch), not through the operations: 100 000 orders through
``book_order`` would take hours and would email everyone. The accounts have addresses under
``@bench.test`` and no password, unless ``password`` is given: then they all share it (one
hash, so a load test can sign in as any of them); the orders are past ones with their outcomes and
feedback, which is what matching weighs, and the workers' records (the counters the
operations would have kept) are then recounted from them in one statement.
"""

from __future__ import annotations

import random
import secrets
from datetime import timedelta
from itertools import islice

from sqlalchemy import insert, select

from portal import clock
from portal.db import db
from portal.orders import records
from portal.orders.models import Feedback, Order, ServiceType
from portal.people import passwords
from portal.people.models import User, WorkerProfile

BATCH = 5_000
SERVICES = (("cleaning", "Cleaning", "Уборка"), ("mousing", "Mousing", "Ловля мышей"),
            ("gardening", "Gardening", "Сад"), ("cooking", "Cooking", "Готовка"),
            ("babysitting", "Kitten sitting", "Присмотр за котятами"))
BREEDS = ("Tabby", "Siamese", "Maine Coon", "Sphynx", "British Shorthair", "Bengal", "Persian")
# Past outcomes in roughly the proportions a working business would see.
OUTCOMES = (("completed", 80), ("cancelled", 12), ("failed", 8))


def generate(*, workers: int = 0, clients: int = 0, orders: int = 0, seed: int = 1,
             password: str | None = None) -> dict[str, int]:
    """Insert the rows and commit; orders are spread over every active client and worker."""
    rng = random.Random(seed)
    tag = secrets.token_hex(3)  # a second run gets new email addresses
    now = clock.now()
    codes = _service_types(now)
    # Hashed once: an Argon2 hash per account would take minutes for 10 000 workers.
    password_hash = passwords.hash_password(password) if password else None
    worker_ids = _accounts("worker", workers, tag, now, password_hash)
    _insert_many(WorkerProfile.__table__, ({
        "user_id": user_id, "age": rng.randint(1, 15), "breed": rng.choice(BREEDS), "fur_colour": "",
        "photo_id": None, "about": "",
        "strengths": rng.sample(list(codes), rng.randint(0, 2)),
        "weaknesses": rng.sample(list(codes), rng.choice((0, 0, 0, 1))),
    } for user_id in worker_ids))
    _accounts("client", clients, tag, now, password_hash)
    created_orders = _past_orders(orders, rng, codes, now) if orders else 0
    if created_orders:
        records.recount()  # the operations keep the workers' records; bulk inserts bypass them
    db.session.commit()
    return {"workers": len(worker_ids), "clients": clients, "orders": created_orders}


def _service_types(now) -> dict[str, tuple[int, int]]:
    """Service code -> (id, base price); the usual ones are created when there are none."""
    if not db.session.scalar(select(ServiceType.id).limit(1)):
        _insert_many(ServiceType.__table__, ({
            "code": code, "name_en": en, "name_ru": ru, "description_en": "", "description_ru": "",
            "base_price_cents": 10_000, "active": True, "created_at": now} for code, en, ru in SERVICES))
    return {code: (sid, price) for sid, code, price in db.session.execute(
        select(ServiceType.id, ServiceType.code, ServiceType.base_price_cents))}


def _accounts(role: str, count: int, tag: str, now, password_hash: str | None = None) -> list[int]:
    table = User.__table__
    ids: list[int] = []
    rows = ({"email": f"{role}-{tag}-{i}@bench.test", "password_hash": password_hash, "role": role,
             "name": f"Bench {role} {i}", "address": f"{i} Bench Street", "language": "en",
             "active": True, "created_at": now, "deactivated_at": None} for i in range(count))
    for batch in _batches(rows):
        ids += db.session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), batch).scalars()
    return ids


def _past_orders(count: int, rng: random.Random, codes: dict[str, tuple[int, int]], now) -> int:
    clients = _active_ids("client")
    workers = _active_ids("worker")
    if not clients or not workers:
        raise ValueError("orders need at least one active client and one active worker")
    services = list(codes.values())
    outcomes = [state for state, _ in OUTCOMES]
    weights = [w for _, w in OUTCOMES]
    table = Order.__table__

    def rows():
        for _ in range(count):
            service_id, price = rng.choice(services)
            starts = now - timedelta(days=rng.uniform(1, 365))
            starts = starts.replace(minute=0, second=0, microsecond=0)
            ends = starts + timedelta(hours=rng.randint(1, 3))
            state = rng.choices(outcomes, weights)[0]
            yield {
                "client_id": rng.choice(clients), "worker_id": rng.choice(workers),
                "service_type_id": service_id, "description": "Generated for the benchmark",
                "address": "Bench Street", "starts_at": starts, "ends_at": ends, "state": state,
                "price_cents": price, "rebooked_from_id": None,
                "created_at": starts - timedelta(days=2), "assigned_at": starts - timedelta(days=2),
                "checked_in_at": starts if state == "completed" else None,
                "finished_at": ends if state == "completed" else (
                    starts + timedelta(minutes=30) if state == "failed" else starts - timedelta(days=1)),
                "version": 1,
            }

    made = 0
    for batch in _batches(rows()):
        order_ids = db.session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), batch).scalars().all()
        _insert_many(Feedback.__table__, _feedback(rng, zip(order_ids, batch), now))
        made += len(order_ids)
    return made


def _feedback(rng: random.Random, orders, now):
    """Most completed orders get stars (mostly good); a few get a problem report."""
    for order_id, row in orders:
        if row["state"] != "completed":
            continue
        roll = rng.random()
        if roll < 0.03:
            yield {"order_id": order_id, "kind": "problem", "stars": None, "comment": "", "created_at": row["ends_at"]}
        elif roll < 0.7:
            stars = rng.choices((1, 2, 3, 4, 5), (2, 3, 10, 35, 50))[0]
            yield {"order_id": order_id, "kind": "rating", "stars": stars, "comment": "", "created_at": row["ends_at"]}


def _active_ids(role: str) -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.role == role, User.active.is_(True))))


def _insert_many(table, rows) -> None:
    for batch in _batches(rows):
        db.session.execute(insert(table), batch)


def _batches(rows):
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch
