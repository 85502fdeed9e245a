"""Past orders replayed for matching (the boundary): each request's ordinary samples rebuilt
as they were when matching met it, as far as the data allows (SPEC §6, issue 14).

As of the moment the order was booked (its ``created_at``, when matching ran):
- a worker's record counts the orders finished and the feedback given before then (counted
  from the orders, not the live counters);
- busy: another order with a worker, assigned before then and not finished by then, that
  overlaps the slot;
- workload: the orders of the week around its start assigned before then and, now, in a
  working state (assigned, in progress, completed);
- the workers who failed this client: its failed orders finished before then; a rebooking
  also excludes the worker who failed the original.

Approximated, because the portal keeps no history of them: who the workers were (active now
and registered before then), their strengths and weaknesses (as now), and an order cancelled
since then, which no longer counts for workload.

Per batch of orders a fixed number of queries (``QUERIES``), whatever the batch's size; a
record is brought forward by the events between one order and the next, not counted again.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import String, case, cast, func, select

from portal.db import db
from portal.matching import OrdinarySample, ReferenceSample
from portal.orders.candidates import WORKLOAD_STATES, WORKLOAD_WINDOW
from portal.orders.models import Feedback, Order, ServiceType
from portal.orders.operations import MAX_HOURS
from portal.people.models import User, WorkerProfile

BATCH = 100  # orders replayed between two saves of the results and the progress
QUERIES = 8  # per batch
LONGEST = timedelta(hours=MAX_HOURS)


def requests_in(period_from: datetime, period_to: datetime) -> list[int]:
    """The orders that started in [period_from, period_to), in the order they were booked."""
    return list(db.session.scalars(
        select(Order.id).where(Order.starts_at >= period_from, Order.starts_at < period_to)
        .order_by(Order.created_at, Order.id)))


def replay_batch(order_ids: list[int], first_position: int, choose) -> list[dict]:
    """Replay the orders ``order_ids`` (in booking order): ``choose(reference, samples)`` says
    who each pipeline picks; returns one result row per order, numbered from ``first_position``."""
    orders = db.session.execute(
        select(Order.id, Order.client_id, Order.worker_id, ServiceType.code, Order.starts_at, Order.ends_at,
               Order.created_at, Order.rebooked_from_id)
        .join(ServiceType, ServiceType.id == Order.service_type_id)
        .where(Order.id.in_(order_ids))).all()
    position = {order_id: i for i, order_id in enumerate(order_ids, first_position)}
    orders.sort(key=lambda o: position[o.id])
    if not orders:
        return []
    history = _History(orders)
    rows = []
    for o in orders:
        t = o.created_at
        history.advance_to(t)
        failed = history.failed_client(o.client_id, t)
        excluded = set(failed)
        if o.rebooked_from_id in history.rebooked:
            excluded.add(history.rebooked[o.rebooked_from_id])
        reference = ReferenceSample(reference_id=o.client_id, request_id=o.id, service_code=o.code,
                                    starts_at=o.starts_at, ends_at=o.ends_at, excluded=frozenset(excluded))
        chosen = choose(reference, history.samples(o, t, failed))
        rows.append({
            "request_id": o.id, "position": position[o.id], "starts_at": o.starts_at, "actual_id": o.worker_id,
            **chosen,
            "live_failed_before": chosen["live_id"] in failed, "draft_failed_before": chosen["draft_id"] in failed,
            "actual_failed_before": o.worker_id in failed,
        })
    return rows


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class _History:
    """What the replay knows about the batch's time: workers, their records as they move
    forward, the orders around the batch's slots, the failures of its clients."""

    def __init__(self, orders) -> None:
        first, last = orders[0].created_at, max(o.created_at for o in orders)
        # Workers (profile as now), in the order they registered: those registered before a
        # moment are a prefix.
        users, profiles = User.__table__, WorkerProfile.__table__
        workers = db.session.execute(
            select(users.c.id, users.c.created_at, cast(profiles.c.strengths, String), cast(profiles.c.weaknesses, String))
            .join(profiles, profiles.c.user_id == users.c.id)
            .where(users.c.role == "worker", users.c.active.is_(True))
            .order_by(users.c.created_at, users.c.id)).all()
        decoded: dict[str | None, tuple[str, ...]] = {}

        def codes(text):
            if text not in decoded:
                decoded[text] = tuple(json.loads(text) or ()) if text else ()
            return decoded[text]

        self.worker_ids = [w.id for w in workers]
        self.joined = [w.created_at for w in workers]
        self.profile = {w.id: (codes(w[2]), codes(w[3])) for w in workers}
        self.records: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
        for worker_id, completed, failed_, cancelled in db.session.execute(
                select(Order.worker_id, _sum(Order.state == "completed"), _sum(Order.state == "failed"),
                       _sum(Order.state == "cancelled"))
                .where(Order.worker_id.is_not(None), Order.finished_at < first,
                       Order.state.in_(("completed", "failed", "cancelled")))
                .group_by(Order.worker_id)):
            self.records[worker_id][0:3] = [completed, failed_, cancelled]
        for worker_id, disputes, rating_sum, rating_count in db.session.execute(
                select(Order.worker_id, _sum(Feedback.kind == "problem"), func.coalesce(func.sum(Feedback.stars), 0),
                       func.count(Feedback.stars))
                .join(Order, Order.id == Feedback.order_id)
                .where(Order.worker_id.is_not(None), Feedback.created_at < first).group_by(Order.worker_id)):
            self.records[worker_id][3:6] = [disputes, rating_sum, rating_count]
        # What happens to records while the batch's bookings go by, oldest first.
        finished = db.session.execute(
            select(Order.finished_at, Order.worker_id, Order.state)
            .where(Order.worker_id.is_not(None), Order.finished_at >= first, Order.finished_at < last,
                   Order.state.in_(("completed", "failed", "cancelled")))).all()
        feedback = db.session.execute(
            select(Feedback.created_at, Order.worker_id, Feedback.kind, Feedback.stars)
            .join(Order, Order.id == Feedback.order_id)
            .where(Order.worker_id.is_not(None), Feedback.created_at >= first, Feedback.created_at < last)).all()
        self.events = sorted([(at, w, state, None) for at, w, state in finished]
                             + [(at, w, kind, stars) for at, w, kind, stars in feedback], key=lambda e: e[0])
        self.next_event = 0
        # The orders with a worker around the batch's slots, by start.
        low = min(o.starts_at for o in orders) - max(WORKLOAD_WINDOW, LONGEST)
        high = max(o.starts_at for o in orders) + WORKLOAD_WINDOW
        self.around = db.session.execute(
            select(Order.starts_at, Order.ends_at, Order.id, Order.worker_id, Order.state, Order.assigned_at,
                   Order.finished_at)
            .where(Order.worker_id.is_not(None), Order.starts_at >= low, Order.starts_at < high)
            .order_by(Order.starts_at)).all()
        self.starts = [row.starts_at for row in self.around]
        clients = {o.client_id for o in orders}
        self.failures = defaultdict(list)
        for client_id, worker_id, at in db.session.execute(
                select(Order.client_id, Order.worker_id, Order.finished_at)
                .where(Order.client_id.in_(clients), Order.state == "failed", Order.worker_id.is_not(None))):
            self.failures[client_id].append((at, worker_id))
        rebooked = {o.rebooked_from_id for o in orders if o.rebooked_from_id}
        self.rebooked = dict(db.session.execute(
            select(Order.id, Order.worker_id).where(Order.id.in_(rebooked), Order.worker_id.is_not(None))
        ).tuples().all()) if rebooked else {}
        self.base: dict[int, OrdinarySample] = {}
        self.variants: dict[tuple, tuple[OrdinarySample, OrdinarySample]] = {}

    def advance_to(self, t: datetime) -> None:
        """Bring the records forward to just before ``t``."""
        while self.next_event < len(self.events) and self.events[self.next_event][0] < t:
            _, worker_id, what, stars = self.events[self.next_event]
            record = self.records[worker_id]
            if what in ("completed", "failed", "cancelled"):
                record[("completed", "failed", "cancelled").index(what)] += 1
            elif what == "problem":
                record[3] += 1
            elif stars is not None:
                record[4] += stars
                record[5] += 1
            self.base.pop(worker_id, None)
            self.next_event += 1

    def failed_client(self, client_id: int, t: datetime) -> set[int]:
        return {w for at, w in self.failures.get(client_id, ()) if at is not None and at < t}

    def samples(self, o, t: datetime, failed: set[int]) -> list[OrdinarySample]:
        """Every worker registered before ``t``, with the facts of that moment."""
        busy, workload = set(), defaultdict(int)
        low = bisect_left(self.starts, o.starts_at - max(WORKLOAD_WINDOW, LONGEST))
        high = bisect_right(self.starts, o.starts_at + WORKLOAD_WINDOW)
        for row in self.around[low:high]:
            if row.id == o.id or row.assigned_at is None or row.assigned_at > t:
                continue
            if (row.starts_at < o.ends_at and row.ends_at > o.starts_at
                    and (row.finished_at is None or row.finished_at > t)):
                busy.add(row.worker_id)
            if (row.state in WORKLOAD_STATES
                    and o.starts_at - WORKLOAD_WINDOW <= row.starts_at < o.starts_at + WORKLOAD_WINDOW):
                workload[row.worker_id] += 1
        special = busy | failed | workload.keys()
        registered = bisect_right(self.joined, t)
        return [self._variant(w, w in busy, workload.get(w, 0), w in failed) if w in special else self._base(w)
                for w in self.worker_ids[:registered]]

    def _base(self, worker_id: int) -> OrdinarySample:
        sample = self.base.get(worker_id)
        if sample is None:
            strengths, weaknesses = self.profile[worker_id]
            completed, failed, cancelled, disputes, rating_sum, rating_count = self.records[worker_id]
            sample = self.base[worker_id] = OrdinarySample(
                sample_id=worker_id, strengths=strengths, weaknesses=weaknesses, completed=completed,
                failed=failed, cancelled=cancelled, disputes=disputes, rating_sum=rating_sum,
                rating_count=rating_count)
        return sample

    def _variant(self, worker_id: int, busy: bool, workload: int, failed: bool) -> OrdinarySample:
        """The base sample with this moment's slot facts; reused while the base is the same."""
        base = self._base(worker_id)
        key = (worker_id, busy, workload, failed)
        kept = self.variants.get(key)
        if kept is not None and kept[0] is base:
            return kept[1]
        sample = OrdinarySample(
            sample_id=worker_id, busy=busy, strengths=base.strengths, weaknesses=base.weaknesses,
            completed=base.completed, failed=base.failed, cancelled=base.cancelled, disputes=base.disputes,
            rating_sum=base.rating_sum, rating_count=base.rating_count, workload=workload,
            failed_this_reference=failed)
        self.variants[key] = (base, sample)
        return sample
