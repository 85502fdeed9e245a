"""Finished-orders benchmark (not a test): from an order's commit to all of its effects, at a
steady rate, against a no-op Dramatiq actor at the same rate.

    createdb -h 127.0.0.1 -U postgres bench_finished
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_finished REDIS_URL=redis://127.0.0.1:6379/2 \\
        .venv/bin/python -m bench.finished [--rates 25,40,50,60] [--seconds 20] \\
        [--processes 2] [--threads 4] [--per-consumer] [--smtp-per-email] [--unlocked] [--message-per-event]

The database is emptied and rebuilt (the URL must name a database called bench*). Workers run
as in production (``dramatiq jobs.worker`` in processes of their own, Procfile's 2 × 4 by
default) and send their emails to an SMTP server in another process (aiosmtpd's Sink on
127.0.0.1:5321). For each rate, for ``--seconds``:

1. the ceiling: messages to a no-op actor on the events queue at that rate; its latency is
   what the broker and the worker cost alone;
2. finished orders at that rate, 70 % completed (``finish_order``, with a photo), 15 %
   cancelled (``cancel_order``) and 15 % failed (``fail_no_show``), each with its kit and its
   betting book, one at a time as requests would. An order's effects are the five
   ``order.finished`` consumers (charge, earning or fine, book, quality, kit) and its emails
   (two, one when cancelled) accepted by the SMTP server. Latency = the last of those
   (the event's ``done_at``, the emails' ``sent_at``) − the operation's return after commit.

The highest rate whose p95 stays under 1 s is printed at the end. ``--per-consumer`` sends one
message per consumer and delivers each email in a message of its own, as before issue 12,
``--smtp-per-email`` opens an SMTP connection per
email as before, ``--unlocked`` confirms events without the event's row lock (before issue
11): an event a race left unconfirmed has its effects (timed by its consumers' records) but
waits for the sweep, which re-sends every consumer's message. ``--message-per-event`` relays
each event of a commit in a message of its own, as before stop 21 (an ended order's event and
its emails: three messages instead of one).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

NOOP_LATENCIES = "bench-finished-noop"
SMTP_PORT = 5321


def declare_noop():
    """The ceiling's actor: does nothing but note how long its message took to arrive."""
    import dramatiq

    from jobs.broker import broker

    @dramatiq.actor(queue_name="events", actor_name="bench_finished_noop", max_retries=0)
    def noop(sent_at: float) -> None:
        broker.client.rpush(NOOP_LATENCIES, time.time() - sent_at)

    return noop


if os.environ.get("BENCH_FINISHED_WORKER"):  # imported by the worker processes
    import jobs.worker  # noqa: F401 - the app, the broker and every actor first

    declare_noop()
    if os.environ.get("BENCH_FINISHED_SMTP_PER_EMAIL"):
        import smtplib

        from flask import current_app

        from portal.notifications import sending

        def _connection_per_email(msg):
            cfg = current_app.config
            with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
                smtp.send_message(msg)

        sending._smtp_send = _connection_per_email
    if os.environ.get("BENCH_FINISHED_PER_CONSUMER"):  # and an email's delivery in a message of its own
        import jobs.events
        from jobs.notifications import deliver

        def _deliver_in_a_message(payload, event_id):
            deliver.send(payload["email_id"])

        queued = jobs.events._consumers["notifications.send_queued_email"]
        jobs.events._consumers[queued.name] = jobs.events.Consumer(queued.name, queued.event, _deliver_in_a_message)
    if os.environ.get("BENCH_FINISHED_UNLOCKED"):
        from bench.outbox import _unlocked_mark_done
        from portal import events as _events

        _events.mark_done_if_complete = _unlocked_mark_done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="25,40,50,60")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--per-consumer", action="store_true")
    parser.add_argument("--smtp-per-email", action="store_true")
    parser.add_argument("--unlocked", action="store_true")
    parser.add_argument("--message-per-event", action="store_true", help="the relay before stop 21")
    parser.add_argument("--publishers", type=int, default=12, help="requests ending orders at once, at most")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]

    from sqlalchemy.engine import make_url

    url = os.environ.get("DATABASE_URL", "")
    database = make_url(url).database or "" if url else ""
    if not url.startswith("postgres") or not database.startswith("bench") or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database called bench* (it is emptied) and REDIS_URL")
    namespace = f"bench-finished-{os.getpid()}"
    os.environ["JOBS_REDIS_NAMESPACE"] = namespace
    os.environ.update(SECRET_KEY="bench", SMTP_HOST="127.0.0.1", SMTP_PORT=str(SMTP_PORT),
                      BAKERY_LATENCY_SECONDS="0", BAKERY_FAILURE_RATE="0", BAKERY_LOST_ANSWER_RATE="0")

    from bench.common import fresh_schema
    from portal.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "INSTANCE_PATH": tempfile.gettempdir(), "PUBLIC_URL": "http://portal.bench"})
    import jobs.relay
    from jobs.broker import broker

    from portal import events

    noop = declare_noop()
    events.on_commit(_capture)
    if args.per_consumer:
        jobs.relay.send_events = _per_consumer
    elif args.message_per_event:
        jobs.relay.send_events = _message_per_event
    orders_needed = int(sum(rates) * args.seconds) + 10
    with app.app_context():
        fresh_schema()
        print(f"database: postgresql ({database}); rates {args.rates}/s for {args.seconds:.0f} s each; "
              f"workers {args.processes} × {args.threads} threads; "
              f"one message per {'consumer' if args.per_consumer else 'event' if args.message_per_event else 'commit'}, "
              f"{'an SMTP connection per email' if args.smtp_per_email else 'one SMTP connection per thread'}, "
              f"confirmation {'without' if args.unlocked else 'under'} the row lock")
        started = time.perf_counter()
        plan = _prepare(orders_needed)
        print(f"prepared {len(plan)} orders with kits and books in {time.perf_counter() - started:.0f} s")
        smtp, workers = _start_services(args, namespace)
        try:
            _warm_up(noop, broker)
            results = []
            root = workers[0].pid
            for rate in rates:
                cpu = _cpu_seconds(root)
                ceiling = _noop_step(noop, broker, rate, args.seconds)
                ceiling["cpu_ms"] = 1000 * (_cpu_seconds(root) - cpu) / len(ceiling["latencies"])
                step = [plan.pop() for _ in range(int(rate * args.seconds))]
                cpu = _cpu_seconds(root)
                result = _orders_step(app, step, rate, args.publishers)
                result["cpu_ms"] = 1000 * (_cpu_seconds(root) - cpu) / len(step)
                results.append((rate, ceiling, result))
        finally:
            for process in workers:
                process.terminate()
            for process in workers:
                process.wait(30)
            smtp.terminate()
            smtp.wait(10)
            broker.client.delete(NOOP_LATENCIES)
            broker.flush_all()
    _report(results)


def _per_consumer(pending: list[tuple[str, str]]) -> None:
    """The relay before issue 12: a message per consumer, a closing one for an unheard event."""
    from jobs.events import close_event, consumers_of, handle_event

    for event_id, name in pending:
        names = consumers_of(name)
        if not names:
            close_event.send(event_id, name)
        for consumer_name in names:
            handle_event.send(event_id, consumer_name)


def _message_per_event(pending: list[tuple[str, str]]) -> None:
    """The relay before stop 21: a message per event, not one per commit."""
    from jobs.relay import send_event

    for event_id, name in pending:
        send_event(event_id, name)


# --- the orders -------------------------------------------------------------------------------

def _prepare(count: int) -> list[tuple[str, int, int]]:
    """``count`` orders ready to end, shuffled: (outcome, order id, the client or worker id).

    Inserted directly (booking and matching are not measured): completed ones in progress with
    their kit issued, cancelled ones assigned, failed ones assigned and past their no-show
    deadline; each has its kit and its open betting book, as ``order.accepted`` left them.
    """
    from sqlalchemy import insert, select, update

    from bench.generate import generate
    from portal import bets, clock, events, warehouse
    from portal.db import db, transaction
    from portal.orders.models import Order, ServiceType

    saved_hooks = list(events._hooks)
    events._hooks.clear()  # the kits' own events are no part of the measure
    try:
        generate(workers=200, clients=200)
        rng = random.Random(12)
        workers = [u for u, in db.session.execute(_ids("worker"))]
        clients = [u for u, in db.session.execute(_ids("client"))]
        service = db.session.scalar(select(ServiceType).limit(1))
        now = clock.now()
        outcomes = rng.choices(("completed", "cancelled", "failed"), (70, 15, 15), k=count)
        plan = []
        for first in range(0, count, 500):
            with transaction():
                rows = []
                for outcome in outcomes[first:first + 500]:
                    starts = now - timedelta(hours=2) if outcome != "cancelled" else now + timedelta(days=2)
                    rows.append({
                        "client_id": rng.choice(clients), "worker_id": rng.choice(workers),
                        "service_type_id": service.id, "description": "Bench", "address": "1 Bench Street",
                        "starts_at": starts, "ends_at": starts + timedelta(hours=3),
                        "state": "in_progress" if outcome == "completed" else "assigned",
                        "price_cents": service.base_price_cents, "rebooked_from_id": None,
                        "created_at": now - timedelta(days=3), "assigned_at": now - timedelta(days=3),
                        "checked_in_at": starts if outcome == "completed" else None, "version": 1,
                    })
                ids = db.session.execute(insert(Order.__table__).returning(Order.id, sort_by_parameter_order=True),
                                         rows).scalars().all()
                for order_id, row, outcome in zip(ids, rows, outcomes[first:first + 500]):
                    accepted = {"order_id": order_id, "client_id": row["client_id"], "worker_id": row["worker_id"],
                                "service_type": service.code, "address": row["address"],
                                "starts_at": row["starts_at"].isoformat(), "ends_at": row["ends_at"].isoformat()}
                    kit = warehouse.open_kit(accepted)
                    if outcome == "completed":
                        kit.state = "issued"
                    bets.open_book(order_id, row["assigned_at"])
                    plan.append((outcome, order_id, row["worker_id"] if outcome == "completed" else row["client_id"]))
        db.session.execute(update(events.OutboxEvent).values(done_at=now))
        db.session.commit()
    finally:
        events._hooks[:] = saved_hooks
    rng.shuffle(plan)
    return plan


def _ids(role: str):
    from sqlalchemy import select

    from portal.people.models import User

    return select(User.id).where(User.role == role, User.email.like("%@bench.test"))


_photo_seeds = itertools.count(1)


def _photos():
    """A different small photo each time (a photo used before is refused)."""
    from tests.factories import encoded, picture

    while True:
        yield encoded(picture(next(_photo_seeds), size=(320, 240)))


def _end(outcome: str, order_id: int, person_id: int, photo: bytes) -> None:
    from portal import orders
    from portal.db import db
    from portal.images import BadImage
    from portal.people.models import User

    if outcome == "failed":
        assert orders.fail_no_show(order_id)
        return
    person = db.session.get(User, person_id)
    if outcome == "completed":
        try:
            orders.finish_order(order_id, person, photo)
        except BadImage:  # near another random picture by chance: another one
            orders.finish_order(order_id, person, next(_photos()))
    else:
        orders.cancel_order(order_id, person)


_local = threading.local()


def _capture(pending: list[tuple[str, str]]) -> None:
    """After each commit (an ``on_commit`` hook, in the committing thread): its moment and events."""
    captured = getattr(_local, "captured", None)
    if captured is not None:
        captured.append((datetime.now(UTC), pending))


def _orders_step(app, step, rate: float, publishers: int) -> dict:
    """End the orders of ``step`` at ``rate`` a second, each in a thread of its own as requests
    are (``publishers`` at most at once); wait for their effects; latencies."""
    committed: list[tuple[datetime, list[tuple[str, str]]]] = []
    photos = _photos()
    photo_bank = [next(photos) for _ in step]  # made before, not on the clock

    def end(n: int, outcome: str, order_id: int, person_id: int) -> None:
        _local.captured = []
        with app.app_context():
            _end(outcome, order_id, person_id, photo_bank[n])
        (at, pending), = _local.captured
        committed.append((at, pending))

    loads = [os.getloadavg()[0]]
    begin = time.perf_counter()
    with ThreadPoolExecutor(publishers) as pool:
        done = [pool.submit(end, n, *order) for n, order in enumerate(step) if _wait_until(begin + n / rate)]
    published = time.perf_counter() - begin
    for future in done:
        future.result()
    latencies, left = _effects(committed, deadline=time.monotonic() + 120)
    loads.append(os.getloadavg()[0])
    return {"latencies": latencies, "orders": len(step), "achieved": len(step) / published,
            "left_unconfirmed": left, "load": max(loads)}


def _effects(committed, deadline: float) -> tuple[list[float], int]:
    """Each order's latency (inf if its effects were not all there by ``deadline``), and how
    many of their events had every consumer's record without being confirmed."""
    from sqlalchemy import select

    from jobs.events import consumers_of
    from portal.db import db
    from portal.events import HandledEvent, OutboxEvent
    from portal.notifications import Email

    names = set(consumers_of("order.finished"))
    event_ids = [event_id for _, pending in committed for event_id, _ in pending]
    while True:
        rows = {ev.id: ev for ev in db.session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(event_ids)))}
        records: dict[str, list] = {}
        for event_id, handler, at in db.session.execute(
                select(HandledEvent.event_id, HandledEvent.handler, HandledEvent.handled_at)
                .where(HandledEvent.event_id.in_(event_ids))):
            records.setdefault(event_id, []).append((handler, at))
        email_ids = [ev.payload["email_id"] for ev in rows.values() if ev.name == "email.queued"]
        sent = dict(db.session.execute(select(Email.id, Email.sent_at)
                                       .where(Email.state == "sent", Email.id.in_(email_ids))).all())
        db.session.rollback()
        latencies, unconfirmed = [], 0
        for at, pending in committed:
            times = []
            for event_id, name in pending:
                ev = rows[event_id]
                if name == "email.queued":
                    times.append(sent.get(ev.payload["email_id"]))
                elif name == "order.finished":
                    handled = records.get(event_id, [])
                    if ev.done_at is None and {h for h, _ in handled} >= names:
                        unconfirmed += 1  # a race left it for the sweep: timed by its records
                        times.append(max(t for _, t in handled))
                    else:
                        times.append(ev.done_at)
            latencies.append(float("inf") if None in times else max((t - at).total_seconds() for t in times))
        if all(lat != float("inf") for lat in latencies) or time.monotonic() > deadline:
            return latencies, unconfirmed
        time.sleep(0.5)  # polling the database for the workers' progress


# --- the ceiling ----------------------------------------------------------------------------

def _noop_step(noop, broker, rate: float, seconds: float) -> dict:
    broker.client.delete(NOOP_LATENCIES)
    count = int(rate * seconds)
    loads = [os.getloadavg()[0]]
    begin = time.perf_counter()
    for n in range(count):
        _wait_until(begin + n / rate)
        noop.send(time.time())
    deadline = time.monotonic() + 120
    while broker.client.llen(NOOP_LATENCIES) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    loads.append(os.getloadavg()[0])
    latencies = [float(x) for x in broker.client.lrange(NOOP_LATENCIES, 0, -1)]
    latencies += [float("inf")] * (count - len(latencies))
    return {"latencies": latencies, "load": max(loads)}


def _wait_until(moment: float) -> bool:
    pause = moment - time.perf_counter()
    if pause > 0:
        time.sleep(pause)  # pacing the steady rate
    return True


# --- processes ------------------------------------------------------------------------------

def _start_services(args, namespace: str):
    env = dict(os.environ, BENCH_FINISHED_WORKER="1", JOBS_REDIS_NAMESPACE=namespace)
    if args.smtp_per_email:
        env["BENCH_FINISHED_SMTP_PER_EMAIL"] = "1"
    if args.per_consumer:
        env["BENCH_FINISHED_PER_CONSUMER"] = "1"
    if args.unlocked:
        env["BENCH_FINISHED_UNLOCKED"] = "1"
    smtp = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{SMTP_PORT}",
                             "-c", "aiosmtpd.handlers.Sink"])
    workers = [subprocess.Popen([sys.executable, "-m", "dramatiq", "bench.finished", "--processes",
                                 str(args.processes), "--threads", str(args.threads)], env=env,
                                stdout=subprocess.DEVNULL, stderr=open(os.path.join(tempfile.gettempdir(),
                                                                                    "bench-finished-workers.log"), "w"))]
    return smtp, workers


def _warm_up(noop, broker) -> None:
    """Wait until the workers answer (they import the whole app first)."""
    broker.client.delete(NOOP_LATENCIES)
    deadline = time.monotonic() + 300
    while not broker.client.llen(NOOP_LATENCIES):
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not start within 5 minutes")
        noop.send(time.time())
        time.sleep(1)
    broker.client.delete(NOOP_LATENCIES)


def _cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) used so far by ``root_pid`` and its child processes (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rpartition(")")[2].split()
        except OSError:
            continue  # gone meanwhile
        pid, ppid = int(entry), int(fields[1])
        if pid == root_pid or ppid == root_pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _report(results) -> None:
    print()
    print("| rate /s | load | no-op p50 ms | no-op p95 ms | no-op worker CPU ms | orders published /s | p50 ms "
          "| p95 ms | max ms | not done in 120 s | left unconfirmed | worker CPU ms per order |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    best = None
    for rate, ceiling, step in results:
        lat = sorted(step["latencies"])
        noop = sorted(ceiling["latencies"])
        p95 = _pct(lat, 95)
        if p95 <= 1000:
            best = rate
        print(f"| {rate:.0f} | {max(ceiling['load'], step['load']):.1f} | {_pct(noop, 50):.0f} | {_pct(noop, 95):.0f} "
              f"| {ceiling['cpu_ms']:.1f} | {step['achieved']:.1f} | {_pct(lat, 50):.0f} | {p95:.0f} "
              f"| {lat[-1] * 1000:.0f} | {sum(1 for x in lat if x == float('inf'))} | {step['left_unconfirmed']} "
              f"| {step['cpu_ms']:.0f} |")
    print()
    print(f"highest rate with p95 ≤ 1 s: {best if best is not None else 'none'} orders/s")


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    return 1000 * statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0] * 1000


if __name__ == "__main__":
    main()
