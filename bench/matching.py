"""Matching benchmark (not a test): p50/p95 per match over 10 000 workers and 100 000 past orders.

    .venv/bin/python -m bench.matching                       # SQLite, a fresh file in a temp dir
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.matching

The database is emptied and rebuilt (so a PostgreSQL URL must name a database called
bench*, never the tests' or a real one). Data comes from bench/generate.py. Each match
is timed as the order flow runs it once booking has inserted the order: build the samples
from the orders and people tables (orders' ``candidates``), ``matching.match``, then
``matching.record_match`` (flushed); each part is reported too. Wall-clock times
depend on what else the machine runs (the load average is printed); "per match, CPU" is
this process's CPU time alone, steadier on a busy machine (on PostgreSQL it leaves out the
server's share).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

from sqlalchemy.engine import make_url

from bench.common import analyze, bench_app, bench_database, fresh_schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--matches", type=int, default=200)
    args = parser.parse_args()

    url, database = bench_database()
    app = bench_app(url)
    with app.app_context():
        print(f"database: {make_url(url).get_backend_name()} ({database})")
        fresh_schema()
        started = time.perf_counter()
        from bench.generate import generate

        made = generate(workers=args.workers, clients=args.clients, orders=args.orders)
        print(f"generated {made['workers']} workers, {made['clients']} clients, "
              f"{made['orders']} past orders in {time.perf_counter() - started:.1f} s")
        analyze()
        _run(args.matches)




def _run(matches: int) -> None:
    from portal import clock, matching
    from portal.db import db
    from portal.orders import Order, ServiceType
    from portal.orders import candidates
    from portal.people import User

    rng = random.Random(7)
    clients = db.session.scalars(db.select(User.id).where(User.role == "client")).all()
    services = db.session.execute(db.select(ServiceType.id, ServiceType.code, ServiceType.base_price_cents)).all()
    matching.current_pipeline()  # the first use creates the default pipeline: not timed
    db.session.commit()

    parts = {"build samples (orders)": [], "matching.match": [], "record_match": [], "per match": [],
             "per match, CPU": []}
    for _ in range(matches):
        service_id, code, price = rng.choice(services)
        starts = (clock.now() + timedelta(days=rng.uniform(1, 30))).replace(minute=0, second=0, microsecond=0)
        # The order as booking has just inserted it (the insert is booking's, not timed).
        order = Order(client_id=rng.choice(clients), service_type_id=service_id, description="Bench",
                      address="Bench Street", starts_at=starts, ends_at=starts + timedelta(hours=2),
                      state="awaiting_worker", price_cents=price, created_at=clock.now())
        db.session.add(order)
        db.session.flush()
        cpu0, t0 = time.process_time(), time.perf_counter()
        reference = candidates.reference_for(order, code, candidates.workers_who_failed(order.client_id))
        samples = candidates.ordinary_samples(order)
        t1 = time.perf_counter()
        result = matching.match(reference, samples)
        t2 = time.perf_counter()
        matching.record_match(order.id, result)
        db.session.flush()
        t3, cpu3 = time.perf_counter(), time.process_time()
        assert result.sample_id is not None
        for name, spent in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t3 - t0, cpu3 - cpu0)):
            parts[name].append(spent)
        db.session.rollback()  # a fresh transaction per match, as per request

    print(f"{matches} matches over {len(samples)} candidate workers (ms; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs):")
    for name, times in parts.items():
        print(f"  {name:24} p50 {_ms(times, 50):7.1f}   p95 {_ms(times, 95):7.1f}")


def _ms(times: list[float], percentile: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[percentile - 1] * 1000


if __name__ == "__main__":
    main()
