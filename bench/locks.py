"""Row-lock benchmark (not a test): racing read-then-change operations on one row.

    .venv/bin/python -m bench.locks [--threads 10] [--operations 50]        # SQLite, a temp file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.locks

Each thread, in its own app context (its own session and connection), repeats what a request
does: read a row first (as Flask-Login reads the user), then one operation that takes the row
through ``portal.db.locked`` and changes it. All threads hammer the same row, the worst case.
Prints operations per second, the latency of one operation (p50, p95, max: how long a racing
request queues), the errors (must be none) and whether any change was lost (must be none).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from sqlalchemy.engine import make_url

from bench.common import bench_app, bench_database, fresh_schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--operations", type=int, default=50, help="per thread")
    args = parser.parse_args()

    url, database = bench_database()
    app = bench_app(url)
    with app.app_context():
        print(f"database: {make_url(url).get_backend_name()} ({database}); "
              f"{args.threads} threads × {args.operations} operations on one row")
        row_id = _fresh_row()
    _run(app, row_id, args.threads, args.operations)


def _fresh_row() -> int:
    from portal import clock
    from portal.db import db
    from portal.notifications import Email

    fresh_schema()
    row = Email(to="bench@bench.test", language="en", template="bench", subject="Bench", text_body="",
                html_body="", state="kept", attempts=0, created_at=clock.now())
    db.session.add(row)
    db.session.commit()
    return row.id


def _run(app, row_id: int, threads: int, operations: int) -> None:
    from portal.db import db, locked, transaction
    from portal.notifications import Email

    latencies: list[float] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def racer() -> None:
        barrier.wait()
        for _ in range(operations):
            with app.app_context():
                started = time.perf_counter()
                try:
                    db.session.get(Email, row_id)  # the request's first read
                    with transaction():
                        row = locked(Email, Email.id == row_id)
                        row.attempts += 1
                except Exception as exc:  # noqa: BLE001 - counted and printed
                    errors.append(exc)
                finally:
                    latencies.append(time.perf_counter() - started)
                    db.session.remove()

    workers = [threading.Thread(target=racer) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    with app.app_context():
        done = db.session.get(Email, row_id).attempts
    latencies.sort()
    ms = [1000 * latencies[int(q * (len(latencies) - 1))] for q in (0.5, 0.95)]
    print(f"{threads * operations / elapsed:.0f} operations/s; one operation p50 {ms[0]:.1f} ms, "
          f"p95 {ms[1]:.1f} ms, max {1000 * latencies[-1]:.1f} ms "
          f"(mean {1000 * statistics.mean(latencies):.1f} ms)")
    print(f"errors: {len(errors)} {sorted({type(e).__name__ for e in errors})}; "
          f"changes kept: {done} of {threads * operations}")


if __name__ == "__main__":
    main()
