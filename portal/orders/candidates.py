"""The facts matching weighs, built from the orders and people tables (the boundary).

Matching speaks its team's words: the client is the reference sample, a worker an
ordinary sample. It never reads our tables; we translate here.

A match must stay fast with 10 000 workers and 100 000 past orders (bench/matching.py), so
nothing here grows with the past: four queries whatever the numbers.

- the active workers with their hiring profile and their record, read from the counters
  the operations keep (``records``) instead of being counted over every past order;
- who is busy at the slot (only live orders are assigned or in progress) and each worker's
  load in the week around it: ranges of the orders' (state, starts_at) index;
- the workers who failed this client: the client's own orders.
"""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import chain

from sqlalchemy import String, cast, func, select

from portal.db import db
from portal.matching import OrdinarySample, ReferenceSample
from portal.orders.models import BUSY_STATES, Order, WorkerRecord
from portal.orders.records import COUNTERS
from portal.people.models import User, WorkerProfile

# "Even workload" counts the orders in the week around the slot.
WORKLOAD_WINDOW = timedelta(days=3, hours=12)
WORKLOAD_STATES = ("assigned", "in_progress", "completed")
ROWS_PER_FETCH = 500


def reference_for(order: Order, service_code: str, excluded: set[int]) -> ReferenceSample:
    return ReferenceSample(
        reference_id=order.client_id, request_id=order.id, service_code=service_code,
        starts_at=order.starts_at, ends_at=order.ends_at, excluded=frozenset(excluded),
    )


def ordinary_samples(order: Order) -> list[OrdinarySample]:
    """Every active worker with their record; deactivated workers are never candidates."""
    busy = _busy_workers(order)
    workload = _workloads(order)
    failed_client = workers_who_failed(order.client_id)
    codes = _ServiceCodes()
    # In batches: one fetch per batch rather than a Python call per row, and never 10 000
    # rows alive at once, which would wake the garbage collector's full pass (100+ ms).
    rows = chain.from_iterable(db.session.execute(_workers_query()).partitions(ROWS_PER_FETCH))
    return [
        _samples.get((worker_id, worker_id in busy, codes[strengths], codes[weaknesses],
                      completed, failed, cancelled, disputes, rating_sum, rating_count,
                      workload.get(worker_id, 0), worker_id in failed_client))
        for (worker_id, strengths, weaknesses,
             completed, failed, cancelled, disputes, rating_sum, rating_count)
        in rows
    ]


def _workers_query():
    """Active workers, their service lists as JSON text, their counters (0 without a record)."""
    users, profiles, records = User.__table__, WorkerProfile.__table__, WorkerRecord.__table__
    # Table columns, not ORM attributes: plain rows, without the ORM's per-row work.
    return (
        select(users.c.id, cast(profiles.c.strengths, String), cast(profiles.c.weaknesses, String),
               *(func.coalesce(records.c[name], 0) for name in COUNTERS))
        .join(profiles, profiles.c.user_id == users.c.id)
        .outerjoin(records, records.c.worker_id == users.c.id)
        .where(users.c.role == "worker", users.c.active.is_(True))
    )


class _ServiceCodes(dict):
    """Service-code lists by their JSON text, each distinct text decoded once per match.

    Hiring gives most workers one of a few dozen lists, so this decodes a handful of
    strings instead of 20 000, and the samples share the (immutable) tuples.
    """

    def __missing__(self, text: str | None) -> tuple[str, ...]:
        codes = self[text] = tuple(json.loads(text) or ()) if text else ()
        return codes


# The facts of an ordinary sample, in the order ``ordinary_samples`` lists them.
FACTS = ("sample_id", "busy", "strengths", "weaknesses", *COUNTERS, "workload",
         "failed_this_reference")


class _SampleMemo:
    """The ordinary sample made last time for each worker, reused while its facts are equal.

    Samples are frozen values: one made from equal facts is as good as a new one. Making
    10 000 frozen dataclasses took longer than everything else in a match (~2 µs each);
    comparing a worker's facts, just read from the database, with the last ones costs a
    tenth of that, and between two matches only a few workers' facts change. Nothing is
    ever answered from here without the database having said the same in this match, so
    it cannot be stale; it holds one sample per worker seen by this process.
    """

    def __init__(self) -> None:
        self._last: dict[int, tuple[tuple, OrdinarySample]] = {}

    def get(self, facts: tuple) -> OrdinarySample:
        last = self._last.get(facts[0])
        if last is not None and last[0] == facts:
            return last[1]
        sample = OrdinarySample(**dict(zip(FACTS, facts)))
        self._last[facts[0]] = (facts, sample)
        return sample


_samples = _SampleMemo()


def _busy_workers(order: Order) -> set[int]:
    """Workers with an assigned or started order overlapping this one's time."""
    # No DISTINCT: SQLite would then walk the orders in worker order (all 100 000) rather
    # than the few busy ones by (state, starts_at); the set removes the repeats.
    return set(db.session.scalars(
        select(Order.worker_id).where(
            Order.state.in_(BUSY_STATES), Order.starts_at < order.ends_at,
            Order.ends_at > order.starts_at, Order.id != order.id,
        )
    ))


def _workloads(order: Order) -> dict[int, int]:
    """Per worker, the orders taken or done in the week around this one's start."""
    return dict(db.session.execute(
        select(Order.worker_id, func.count()).where(
            Order.state.in_(WORKLOAD_STATES),
            Order.starts_at >= order.starts_at - WORKLOAD_WINDOW,
            Order.starts_at < order.starts_at + WORKLOAD_WINDOW,
            Order.id != order.id,
        ).group_by(Order.worker_id)
    ).tuples().all())


def workers_who_failed(client_id: int) -> set[int]:
    """Never again the worker who failed this client (SPEC §6)."""
    return set(db.session.scalars(
        select(Order.worker_id).where(Order.client_id == client_id, Order.state == "failed",
                                      Order.worker_id.is_not(None)).distinct()
    ))
