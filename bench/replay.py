"""Matching replay benchmark (not a test): past orders replayed through the live pipeline and a
draft over 10 000 workers and 100 000 past orders, next to two ceilings measured in the same run.

    .venv/bin/python -m bench.replay                          # SQLite, a fresh file in a temp dir
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_replay .venv/bin/python -m bench.replay
    .venv/bin/python -m bench.replay --periods week,month,all

The database is emptied and rebuilt (a PostgreSQL URL must name a bench* database). Data comes
from bench/generate.py (orders spread over the last year); its accounts are backdated a year
and a bit, since the replay only offers an order the workers registered before it was booked.
Each period is replayed the way the job does it (``jobs.matching.replay_matching``, in this
process: batches, results kept, progress saved, the summary at the end), timed wall-clock and
in this process's CPU. Beside it:

- *read*: the period's orders read raw (one SELECT of every column): the floor, what merely
  reading the period costs;
- *naive*: what replaying costs done with the live matching path, per order orders' four
  queries for the samples plus ``matching.match`` twice (once per pipeline), timed over a
  sample of the period's orders and multiplied by its size: the ceiling a replay must beat.

The machine's load average is printed with each figure: on a shared machine the wall-clock
follows it; the CPU time is steadier.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from bench.common import bench_app, bench_database

PERIODS = {"week": 7, "month": 30, "all": 366}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--periods", default="week,month")
    parser.add_argument("--naive-sample", type=int, default=30, help="orders timed for the naive ceiling")
    args = parser.parse_args()

    url, database = bench_database()
    app = bench_app(url)
    with app.app_context():
        from bench.generate import generate
        from bench.common import analyze, fresh_schema
        from portal import clock
        from portal.db import db
        from portal.people import User

        print(f"database: {make_url(url).get_backend_name()} ({database}); {os.cpu_count()} CPUs")
        fresh_schema()
        started = time.perf_counter()
        made = generate(workers=args.workers, clients=args.clients, orders=args.orders)
        db.session.execute(update(User).values(created_at=clock.now() - timedelta(days=400)))
        db.session.commit()
        print(f"generated {made['workers']} workers, {made['clients']} clients, "
              f"{made['orders']} past orders in {time.perf_counter() - started:.1f} s")
        analyze()
        draft_id = _draft()
        for name in args.periods.split(","):
            _period(name, PERIODS[name], draft_id, args.naive_sample)


def _draft() -> int:
    """A draft a manager might try: workload counts three times, past results once."""
    from portal import matching

    draft = matching.create_draft("Bench: spread the work")
    for config in draft.steps:
        if config.step in ("even_workload", "past_results"):
            matching.tune_step(config.id, weight=3.0 if config.step == "even_workload" else 1.0, pipeline_id=draft.id)
    return draft.id


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _period(name: str, days: int, draft_id: int, naive_sample: int) -> None:
    from jobs.matching import replay_matching
    from portal import clock, matching
    from portal.db import db
    from portal.orders import Order
    from portal.orders import replay as past_orders

    until = clock.now()
    since = until - timedelta(days=days)

    t0 = time.perf_counter()
    rows = db.session.execute(select(Order.__table__).where(Order.starts_at >= since, Order.starts_at < until)).all()
    read = time.perf_counter() - t0
    db.session.rollback()
    n = len(rows)
    print(f"\n{name} ({days} days): {n} orders")
    print(f"  read      {read * 1000:9.0f} ms wall ({_load()})")

    naive = _naive(since, until, draft_id, naive_sample)
    print(f"  naive     {naive * n:9.1f} s wall, estimated ({naive * 1000:.1f} ms × {n} orders; {_load()})")

    replay = matching.start_replay(draft_id, since, until, started_by="bench")
    cpu0, t0 = time.process_time(), time.perf_counter()
    replay_matching(replay.run_id)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    db.session.expire_all()
    summary = matching.get_replay(replay.id).summary
    print(f"  replay    {wall:9.1f} s wall, {cpu:.1f} s CPU of this process "
          f"({wall / max(n, 1) * 1000:.1f} ms wall, {cpu / max(n, 1) * 1000:.1f} ms CPU per order; {_load()}); "
          f"batches of {past_orders.BATCH}")
    print(f"  ratio     replay / naive = {wall / max(naive * n, 1e-9):.2f}; replay / read = {wall / max(read, 1e-9):.0f}")
    print(f"  report    {summary['changed']} of {summary['requests']} chosen differently; Gini "
          f"{summary['spread']['live']['gini']} -> {summary['spread']['draft']['gini']}")


def _naive(since, until, draft_id: int, sample: int) -> float:
    """Seconds per order replayed through the live matching path (samples built per order by
    orders' own four queries, both pipelines run), over a random sample of the period."""
    from portal import matching
    from portal.db import db
    from portal.orders import Order, ServiceType, candidates

    rng = random.Random(11)
    ids = db.session.scalars(select(Order.id).where(Order.starts_at >= since, Order.starts_at < until)).all()
    live, draft = matching.current_pipeline(), matching.draft(draft_id)
    chosen = rng.sample(list(ids), min(sample, len(ids)))
    t0 = time.perf_counter()
    for order_id in chosen:
        order = db.session.get(Order, order_id)
        code = db.session.get(ServiceType, order.service_type_id).code
        reference = candidates.reference_for(order, code, candidates.workers_who_failed(order.client_id))
        samples = candidates.ordinary_samples(order)
        matching.evaluate(live, reference, samples)
        matching.evaluate(draft, reference, samples)
    spent = time.perf_counter() - t0
    db.session.rollback()
    return spent / max(len(chosen), 1)


if __name__ == "__main__":
    main()
