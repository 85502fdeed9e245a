"""Sunday's run benchmark (not a test): the weekly invoicing run end to end for many clients
with cards, on PostgreSQL + Redis, real Dramatiq worker processes and the sandbox provider at
its default latency (~300 ms a call, 5 % lost answers).

    createdb -h 127.0.0.1 -U postgres bench_sunday
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_sunday REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python -m bench.sunday --clients 10000 --concurrency 24 --processes 2 --threads 14

The database is emptied and rebuilt (its name must start with bench). Clients, cards and one
charge per client are inserted set-based; then the run is claimed as the scheduler would
(``runs.claim_run``: its dispatch goes through the outbox and Redis to the workers), and this
process plays the scheduler's part while it waits: it hands on stalled runs and sweeps the
outbox every few seconds. Done when the run is done and no email is left queued.

Prints the wall time (to the run's end, and to the last email), invoices per second, CPU
seconds per invoice of the worker processes and of their PostgreSQL backends, the
provider-bound ceiling for the concurrency used (invoices × mean latency ÷ lanes: no run with
that many lanes can be faster) and the load average, so a ratio stays meaningful on a shared,
loaded machine. Goals: 100 000 in ≤ 15 min, ≤ 1.2× the ceiling.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
WEEK = "2026-W48"
NAMESPACE = "bench_sunday"
MEAN_LATENCY = 0.3  # the sandbox waits uniform(0.5, 1.5) × SANDBOX_LATENCY_MS (300 by default)
TICK = 5.0  # the scheduler's tick


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=24, help="BILLING_CHARGE_CONCURRENCY (lanes)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=14)
    parser.add_argument("--prefetch", type=int, default=0,
                        help="messages a worker process holds per queue (dramatiq_queue_prefetch); "
                             "default: the lanes shared out over the processes, at most --threads")
    args = parser.parse_args()

    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    database = (make_url(url).database or "") if url else ""
    if not url.startswith("postgres") or not database.startswith("bench") or not redis_url:
        raise SystemExit("set DATABASE_URL to a PostgreSQL database called bench* (it is emptied) and REDIS_URL")
    os.environ["JOBS_REDIS_NAMESPACE"] = NAMESPACE  # before the broker is built

    from bench.common import analyze, fresh_schema
    from jobs.broker import broker
    from portal.app import create_app

    instance = tempfile.mkdtemp(prefix="bench-sunday-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": instance})
    with app.app_context():
        from jobs import billing
        from jobs.relay import sweep_outbox
        from portal import runs
        from portal.db import db

        print(f"database: postgresql ({database}); redis {redis_url} namespace {NAMESPACE}")
        fresh_schema()
        broker.flush_all()
        started = time.perf_counter()
        _week_of(args.clients)
        analyze()
        print(f"inserted {args.clients:,} clients with cards and charges in {time.perf_counter() - started:.1f} s")

        worker = _start_workers(url, redis_url, instance, args)
        time.sleep(5)  # the worker processes import the portal before the clock starts
        try:
            load_before = os.getloadavg()
            cpu_before = _worker_cpu(worker.pid) + _backend_cpu(database)
            started = time.perf_counter()
            run = runs.claim_run(billing.WEEKLY_RUN, WEEK, started_by="bench")
            run_done = None
            while True:
                time.sleep(TICK)
                runs.dispatch_stalled()
                sweep_outbox.fn()
                state, done, total = db.session.execute(
                    text("SELECT state, done, total FROM job_runs WHERE id = :id"), {"id": run.id}).one()
                queued = db.session.scalar(text("SELECT count(*) FROM emails WHERE state = 'queued'"))
                db.session.rollback()
                elapsed = time.perf_counter() - started
                print(f"  {elapsed:6.0f} s  run {state} {done:,}/{total:,}  emails queued {queued:,}", flush=True)
                if state == "done" and run_done is None:
                    run_done = elapsed
                if state == "done" and not queued:
                    break
                if state == "failed":
                    raise SystemExit("the run failed")
            wall = time.perf_counter() - started
            cpu = _worker_cpu(worker.pid) + _backend_cpu(database) - cpu_before
            load_after = os.getloadavg()
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(60)
        _report(args, run_done, wall, cpu, load_before, load_after)


def _week_of(clients: int) -> None:
    """``clients`` clients, each with an OK test card and one charge in the benchmark's week."""
    from bench.generate import _accounts
    from portal import clock
    from portal.db import db

    _accounts("client", clients, "sunday", clock.now())
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO payment_cards (client_id, brand, last4, token, added_at) "
            "SELECT id, 'Visa', '4242', 'sbx_ok_' || md5(id::text), now() FROM users WHERE role = 'client'"))
        conn.execute(text(
            "INSERT INTO client_charges (order_id, client_id, outcome, price_cents, discount_percent, "
            "discount_cents, amount_cents, charged_at, week_key) "
            "SELECT id, id, 'completed', 10000 + id % 5000, 0, 0, 10000 + id % 5000, "
            "timestamp '2026-11-25 12:00', :week FROM users WHERE role = 'client'"), {"week": WEEK})


def _start_workers(url: str, redis_url: str, instance: str, args) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP",)}
    env.update(DATABASE_URL=url, REDIS_URL=redis_url, JOBS_REDIS_NAMESPACE=NAMESPACE, SECRET_KEY="bench",
               INSTANCE_PATH=instance, BILLING_CHARGE_CONCURRENCY=str(args.concurrency),
               DATABASE_POOL_SIZE=str(args.threads), dramatiq_queue_prefetch=str(_prefetch(args)))
    # Its own process group: the worker processes dramatiq forks are counted and stopped together.
    return subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "jobs.worker", "--processes", str(args.processes),
         "--threads", str(args.threads)], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=open(Path(instance) / "worker.log", "w"))


def _prefetch(args) -> int:
    """Dramatiq lets a process hold twice its threads in messages of each queue: one process
    could take every lane while the other's threads stay idle, and its lanes wait for a
    thread. Holding no more lanes than its share keeps them on both."""
    return args.prefetch or min(args.threads, -(-args.concurrency // args.processes))


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker_cpu(group: int) -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == group:
                    total += _cpu_of(int(entry.name))
            except ProcessLookupError:
                continue
    return total


def _backend_cpu(database: str) -> float:
    """CPU of the PostgreSQL backends serving the benchmark's database (a local server)."""
    from portal.db import db

    pids = db.session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}).all()
    db.session.rollback()
    return sum(_cpu_of(pid) for pid in pids)


def _report(args, run_done: float, wall: float, cpu: float, load_before, load_after) -> None:
    from portal.db import db

    n = args.clients
    paid, tries, keys, moved = db.session.execute(text(
        "SELECT (SELECT count(*) FROM invoices WHERE state = 'paid'), "
        "(SELECT count(*) FROM invoices WHERE tries <> 1), "
        "(SELECT count(DISTINCT key) FROM sandbox_transfers), (SELECT count(*) FROM sandbox_transfers)")).one()
    emails = db.session.scalar(text("SELECT count(*) FROM emails"))
    ceiling = n * MEAN_LATENCY / args.concurrency
    print(f"workers: {args.processes} processes × {args.threads} threads, prefetch {_prefetch(args)}; "
          f"BILLING_CHARGE_CONCURRENCY {args.concurrency}; chunk {os.environ.get('BILLING_CHARGE_CHUNK', '25')}")
    print(f"load average (1, 5, 15 min) before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} on {os.cpu_count()} CPUs")
    print(f"invoices {n:,}: paid {paid:,}, tried other than once {tries}, money moved {moved:,} times "
          f"under {keys:,} keys; {emails:,} emails")
    print(f"run done after {run_done:.0f} s; last email handled after {wall:.0f} s: {n / wall:.1f} invoices/s")
    print(f"CPU (worker processes + their PostgreSQL backends): {cpu:.0f} s, {cpu / n * 1000:.1f} ms per invoice")
    print(f"provider-bound ceiling for {args.concurrency} lanes: {ceiling:.0f} s; wall / ceiling = {wall / ceiling:.2f}")
    print(f"extrapolated to 100 000 clients at this rate (an extrapolation, not a measurement): "
          f"{100_000 / (n / wall) / 60:.1f} min")


if __name__ == "__main__":
    main()
