"""The facts matching weighs, built from the orders and people tables (the boundary).

Matching speaks its team's words: the client is the reference sample, a worker an
ordinary sample. It never reads our tables; we translate here. Two queries whatever
the number of workers or orders: the active workers, and one pass over past orders.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, case, func, select

from portal.db import db
from portal.matching import OrdinarySample, ReferenceSample
from portal.orders.models import BUSY_STATES, Feedback, Order
from portal.people.models import User, WorkerProfile

# "Even workload" counts the orders in the week around the slot.
WORKLOAD_WINDOW = timedelta(days=3, hours=12)


def reference_for(order: Order, service_code: str, excluded: set[int]) -> ReferenceSample:
    return ReferenceSample(
        reference_id=order.client_id, request_id=order.id, service_code=service_code,
        starts_at=order.starts_at, ends_at=order.ends_at, excluded=frozenset(excluded),
    )


def ordinary_samples(order: Order) -> list[OrdinarySample]:
    """Every active worker with their record; deactivated workers are never candidates."""
    workers = db.session.execute(
        select(User.id, WorkerProfile.strengths, WorkerProfile.weaknesses)
        .join(WorkerProfile, WorkerProfile.user_id == User.id)
        .where(User.role == "worker", User.active.is_(True))
    ).all()
    if not workers:
        return []
    stats = {row.worker_id: row for row in db.session.execute(_stats_query(order))}
    samples = []
    for worker_id, strengths, weaknesses in workers:
        s = stats.get(worker_id)
        samples.append(OrdinarySample(
            sample_id=worker_id,
            busy=bool(s and s.busy),
            strengths=tuple(strengths or ()),
            weaknesses=tuple(weaknesses or ()),
            completed=s.completed if s else 0,
            failed=s.failed if s else 0,
            cancelled=s.cancelled if s else 0,
            disputes=s.disputes if s else 0,
            rating_sum=int(s.rating_sum or 0) if s else 0,
            rating_count=s.rating_count if s else 0,
            workload=s.workload if s else 0,
            failed_this_reference=bool(s and s.failed_this_reference),
        ))
    return samples


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _stats_query(order: Order):
    """Per worker, in one pass: past outcomes, feedback, overlap with this slot, the week's load."""
    overlaps = and_(Order.state.in_(BUSY_STATES), Order.starts_at < order.ends_at,
                    Order.ends_at > order.starts_at, Order.id != order.id)
    in_week = and_(Order.state.in_(("assigned", "in_progress", "completed")),
                   Order.starts_at >= order.starts_at - WORKLOAD_WINDOW,
                   Order.starts_at < order.starts_at + WORKLOAD_WINDOW,
                   Order.id != order.id)
    return (
        select(
            Order.worker_id.label("worker_id"),
            _count(Order.state == "completed").label("completed"),
            _count(Order.state == "failed").label("failed"),
            _count(Order.state == "cancelled").label("cancelled"),
            _count(Feedback.kind == "problem").label("disputes"),
            func.sum(Feedback.stars).label("rating_sum"),
            func.count(Feedback.stars).label("rating_count"),
            _count(overlaps).label("busy"),
            _count(in_week).label("workload"),
            _count(and_(Order.client_id == order.client_id, Order.state == "failed"))
            .label("failed_this_reference"),
        )
        .outerjoin(Feedback, Feedback.order_id == Order.id)
        .where(Order.worker_id.is_not(None))
        .group_by(Order.worker_id)
    )


def workers_who_failed(client_id: int) -> set[int]:
    """Never again the worker who failed this client (SPEC §6)."""
    return set(db.session.scalars(
        select(Order.worker_id).where(Order.client_id == client_id, Order.state == "failed",
                                      Order.worker_id.is_not(None)).distinct()
    ))
