"""Each worker's record (outcomes, problems, ratings) kept as counters for matching.

The operations call ``count_outcome`` when an order with a worker reaches a final state
and ``count_feedback`` when its client rates it or reports a problem, inside the same
transaction, so the counters never disagree with the orders. ``counted_records`` counts the
same figures from the orders themselves: the tests compare the two, and ``recount`` rebuilds
the table from it (bulk-loaded data such as the benchmark's, or a repair).
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import case, delete, func, insert, select, text

from portal.db import db
from portal.orders.models import FINAL_STATES, Feedback, Order, WorkerRecord

COUNTERS = ("completed", "failed", "cancelled", "disputes", "rating_sum", "rating_count")


def count_outcome(order: Order) -> None:
    """``order`` just reached a final state: one more completed, failed or cancelled order
    on its worker's record (a cancellation before any worker was found counts for nobody)."""
    if order.worker_id is not None and order.state in FINAL_STATES:
        _add(order.worker_id, **{order.state: 1})


def count_feedback(order: Order, kind: str, stars: int | None) -> None:
    """The client of ``order`` rated it (``stars``) or reported a problem (``kind`` "problem")."""
    if order.worker_id is None:
        return
    if kind == "problem":
        _add(order.worker_id, disputes=1)
    else:
        _add(order.worker_id, rating_sum=stars, rating_count=1)


def _add(worker_id: int, **deltas: int) -> None:
    """Add to the worker's counters in one statement: the row is created on the first count,
    and concurrent additions for the same worker both land (the database adds, not Python)."""
    db.session.execute(_add_statement(tuple(sorted(deltas))),
                       {"worker_id": worker_id, **{name: deltas.get(name, 0) for name in COUNTERS}})


@lru_cache(maxsize=16)
def _add_statement(names: tuple[str, ...]):
    """``_add``'s upsert for these counters, as text kept per process: the dialects'
    ``ON CONFLICT … DO UPDATE`` has no cache key, so SQLAlchemy compiled it on every order's
    end (``portal.db.insert_new`` says more)."""
    table = WorkerRecord.__tablename__
    columns = ("worker_id", *COUNTERS)
    added = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in names)
    return text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
                f"ON CONFLICT (worker_id) DO UPDATE SET {added}")


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def counted_records():
    """The records counted from the orders and their feedback: worker_id plus ``COUNTERS``,
    one row per worker who ever had an order (slow at scale: never per match)."""
    return (
        select(
            Order.worker_id.label("worker_id"),
            _count(Order.state == "completed").label("completed"),
            _count(Order.state == "failed").label("failed"),
            _count(Order.state == "cancelled").label("cancelled"),
            _count(Feedback.kind == "problem").label("disputes"),
            func.coalesce(func.sum(Feedback.stars), 0).label("rating_sum"),
            func.count(Feedback.stars).label("rating_count"),
        )
        .outerjoin(Feedback, Feedback.order_id == Order.id)
        .where(Order.worker_id.is_not(None))
        .group_by(Order.worker_id)
    )


def recount() -> None:
    """Rebuild every record from the orders, set-based (in the caller's transaction)."""
    table = WorkerRecord.__table__
    db.session.flush()  # orders added in this session count too
    db.session.execute(delete(table))
    db.session.execute(insert(table).from_select(["worker_id", *COUNTERS], counted_records()))


def worker_record(worker_id: int) -> WorkerRecord | None:
    """A worker's record so far (None before their first finished order), for managers."""
    return db.session.get(WorkerRecord, worker_id)
