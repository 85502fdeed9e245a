"""What orders hands matching about each worker: every fact as counted over all the orders,
in a constant number of queries however many workers and orders there are."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bench.generate import generate
from portal import clock
from portal.db import db
from portal.matching import OrdinarySample
from portal.orders import BUSY_STATES, Feedback, Order, candidates, records
from portal.people.models import User, WorkerProfile
from tests import factories


def facts_counted_from_every_order(order: Order) -> list[OrdinarySample]:
    """The samples as the definition reads, straight from every order and its feedback."""
    everything = db.session.scalars(select(Order).where(Order.worker_id.is_not(None))).all()
    feedback = {f.order_id: f for f in db.session.scalars(select(Feedback))}
    mine = {o.worker_id: [] for o in everything}
    for o in everything:
        mine[o.worker_id].append(o)
    week = candidates.WORKLOAD_WINDOW
    samples = []
    for worker_id, strengths, weaknesses in db.session.execute(
            select(User.id, WorkerProfile.strengths, WorkerProfile.weaknesses)
            .join(WorkerProfile, WorkerProfile.user_id == User.id)
            .where(User.role == "worker", User.active.is_(True))):
        past = [o for o in mine.get(worker_id, []) if o.id != order.id]
        states = Counter(o.state for o in past)
        words = [feedback[o.id] for o in past if o.id in feedback]
        samples.append(OrdinarySample(
            sample_id=worker_id,
            busy=any(o.state in BUSY_STATES and o.starts_at < order.ends_at and o.ends_at > order.starts_at
                     for o in past),
            strengths=tuple(strengths), weaknesses=tuple(weaknesses),
            completed=states["completed"], failed=states["failed"], cancelled=states["cancelled"],
            disputes=sum(w.kind == "problem" for w in words),
            rating_sum=sum(w.stars or 0 for w in words), rating_count=sum(w.stars is not None for w in words),
            workload=sum(o.state in ("assigned", "in_progress", "completed")
                         and order.starts_at - week <= o.starts_at < order.starts_at + week for o in past),
            failed_this_reference=any(o.state == "failed" and o.client_id == order.client_id for o in past),
        ))
    return sorted(samples, key=lambda s: s.sample_id)


def _taken(worker_id: int, client_id: int, service_id: int, starts, state="assigned") -> None:
    """Orders straight into the table: what is tested is reading them."""
    db.session.add(Order(client_id=client_id, worker_id=worker_id, service_type_id=service_id,
                         description="Taken", address="1 Street", starts_at=starts,
                         ends_at=starts + timedelta(hours=2), state=state, price_cents=10_000,
                         created_at=clock.now()))


def test_each_workers_sample_holds_the_facts_counted_over_every_order(db):
    generate(workers=25, clients=6, orders=600, seed=3)
    workers = db.session.scalars(select(User.id).where(User.role == "worker").order_by(User.id)).all()
    clients = db.session.scalars(select(User.id).where(User.role == "client").order_by(User.id)).all()
    service_id = db.session.scalar(select(Order.service_type_id).limit(1))
    factories.user("worker", active=False)  # never a candidate
    # The slot under test is in the past year, so the week around it has generated orders.
    slot = (clock.now() - timedelta(days=40)).replace(minute=0, second=0, microsecond=0)
    _taken(workers[0], clients[1], service_id, slot + timedelta(hours=1))   # overlaps: busy
    _taken(workers[1], clients[1], service_id, slot + timedelta(hours=2))   # starts as it ends: free
    _taken(workers[2], clients[2], service_id, slot - timedelta(hours=1), "in_progress")
    _taken(workers[3], clients[0], service_id, slot - timedelta(days=2), "completed")
    db.session.flush()
    records.recount()  # rows inserted past the operations, as the generator's are
    order = Order(client_id=clients[0], service_type_id=service_id, description="Probe", address="1 Street",
                  starts_at=slot, ends_at=slot + timedelta(hours=2), state="awaiting_worker",
                  price_cents=10_000, created_at=clock.now())
    db.session.add(order)
    db.session.flush()

    samples = sorted(candidates.ordinary_samples(order), key=lambda s: s.sample_id)

    assert samples == facts_counted_from_every_order(order)
    assert [s.sample_id for s in samples] == workers
    assert [s.busy for s in samples[:3]] == [True, False, True]
    assert sum(s.workload for s in samples) > 0 and sum(s.failed_this_reference for s in samples) > 0
    assert sum(s.rating_count for s in samples) > 0 and sum(s.disputes for s in samples) > 0


def test_building_the_samples_takes_the_same_queries_for_5_or_200_workers(db, count_queries):
    counts = []
    for workers, orders in ((5, 20), (195, 2_000)):
        generate(workers=workers, clients=5, orders=orders)
        order = db.session.scalar(select(Order).limit(1))
        with count_queries() as counter:
            samples = candidates.ordinary_samples(order)
        counts.append(counter.count)
        assert len(samples) == db.session.scalar(
            select(db.func.count()).select_from(User).where(User.role == "worker"))
    assert counts[0] == counts[1] == 4
