"""Event confirmation benchmark (not a test): how many events of a burst are left unconfirmed
(waiting for the sweep) once every consumer has handled them.

    psql -h 127.0.0.1 -U postgres -c 'create database bench_outbox'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_outbox REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python -m bench.outbox [--events 500] [--consumers 4] [--threads 8] [--unlocked]

The database is emptied and rebuilt (the URL must name a database called bench*). A real
Dramatiq worker (``--threads`` threads, Redis) consumes ``--events`` events published as
fast as one process commits them, each with ``--consumers`` consumers that read one row
(as real ones do, briefly). Once the queue is empty and the worker idle, it counts the events
whose ``done_at`` is still empty: each of those waits for the sweep (30 s or more) and costs
a re-send of every consumer's message. ``--unlocked`` puts back the confirmation without the
event's row lock (before issue 11) to compare.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--consumers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--unlocked", action="store_true")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    database = make_url(url).database or "" if url else ""
    if not url.startswith("postgres") or not database.startswith("bench") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database called bench* (it is emptied) and REDIS_URL")
    os.environ.setdefault("JOBS_REDIS_NAMESPACE", f"bench-outbox-{os.getpid()}")

    import dramatiq

    from bench.common import fresh_schema
    from portal.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tempfile.gettempdir()})
    import jobs.events
    from jobs.broker import broker
    from portal import events
    from portal.db import db, transaction

    if args.unlocked:
        events.mark_done_if_complete = _unlocked_mark_done
    for n in range(args.consumers):
        def read_a_row(payload, event_id, n=n):
            db.session.execute(text("SELECT count(*) FROM outbox_events WHERE id = :id"), {"id": event_id})
        read_a_row.__name__ = f"bench_consumer_{n}"
        jobs.events.consumer("bench.happened")(read_a_row)

    with app.app_context():
        print(f"database: postgresql ({database}); {args.events} events × {args.consumers} consumers, "
              f"{args.threads} worker threads; confirmation {'without' if args.unlocked else 'under'} the row lock")
        fresh_schema()
        worker = dramatiq.Worker(broker, worker_threads=args.threads, worker_timeout=50)
        worker.start()
        try:
            started = time.perf_counter()
            for n in range(args.events):
                with transaction():
                    events.publish("bench.happened", {"n": n})
            published = time.perf_counter() - started
            broker.join("events", timeout=600_000)
            worker.join()
            elapsed = time.perf_counter() - started
        finally:
            worker.stop()
        db.session.rollback()
        left = db.session.scalar(select(func.count()).select_from(events.OutboxEvent)
                                 .where(events.OutboxEvent.done_at.is_(None)))
        handled = db.session.scalar(select(func.count()).select_from(events.HandledEvent))
        print(f"published in {published:.1f} s ({args.events / published:.0f}/s); all handled in {elapsed:.1f} s "
              f"({handled} handled rows)")
        print(f"left unconfirmed for the sweep: {left} of {args.events} ({100 * left / args.events:.1f} %)")
        broker.flush_all()


def _unlocked_mark_done(event_id: str, handlers: list[str]) -> bool:
    """The confirmation before issue 11: counts without the event's lock."""
    from portal import clock
    from portal.db import db
    from portal.events import HandledEvent, OutboxEvent

    handled = set(db.session.scalars(select(HandledEvent.handler).where(HandledEvent.event_id == event_id)))
    if set(handlers) <= handled:
        db.session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id, OutboxEvent.done_at.is_(None))
                           .values(done_at=clock.now()))
        return True
    return False


if __name__ == "__main__":
    main()
