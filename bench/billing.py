"""Weekly invoicing benchmark (not a test): 100 000 clients, 1 000 000 charges on PostgreSQL.

    psql -h 127.0.0.1 -U postgres -c 'create database bench_billing'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_billing .venv/bin/python -m bench.billing

The database is emptied and rebuilt (the URL must name a database called bench*). The
charges are inserted by one ``INSERT … SELECT generate_series`` (the ledger is not needed:
invoicing reads only the charges). Then, in the same run:

- **raw**: one SQL aggregate over the same rows — ``SELECT client_id, sum, count … GROUP BY``
  of the week's charges, fetched (the floor any invoicing must pay);
- **invoicing**: ``client_billing.issue_weekly_invoices`` as the weekly run calls it (one
  ``INSERT … SELECT … GROUP BY`` of the invoices, totalled by the same aggregate), committed.

Reports wall time, the ratio, and the peak memory of this process (``ru_maxrss``: the Python
side; the server's own memory is PostgreSQL's shared buffers and work_mem, not ours).
Goals: ≤ 60 s, ≤ 3× the raw aggregate, ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

WEEK, CUTOFF = "2026-W48", datetime(2026, 11, 29, 20, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--charges", type=int, default=1_000_000)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    database = make_url(url).database or "" if url else ""
    if not url.startswith("postgres") or not database.startswith("bench"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database called bench* (it is emptied)")

    from bench.common import analyze, fresh_schema
    from portal.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": tempfile.gettempdir()})
    with app.app_context():
        from portal import client_billing, clock
        from portal.db import db

        print(f"database: postgresql ({database})")
        fresh_schema()
        started = time.perf_counter()
        _charges(args.clients, args.charges)
        analyze()
        print(f"inserted {args.charges:,} charges of {args.clients:,} clients in "
              f"{time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        rows = db.session.execute(text(
            "SELECT client_id, sum(amount_cents), count(*) FROM client_charges "
            "WHERE week_key = :week GROUP BY client_id"), {"week": WEEK}).all()
        raw = time.perf_counter() - started
        db.session.rollback()
        print(f"raw aggregate: {len(rows):,} clients in {raw:.2f} s")
        del rows

        clock.freeze(CUTOFF)
        started = time.perf_counter()
        with _statement_times(db.engine) as parts:
            ids = client_billing.issue_weekly_invoices(WEEK, CUTOFF)
        invoicing = time.perf_counter() - started
        for statement, seconds in parts:
            print(f"  {seconds:6.2f} s  {statement}")
        invoiced = db.session.execute(text("SELECT sum(amount_cents), sum(charge_count) FROM invoices")).one()
        charged = db.session.execute(text("SELECT sum(amount_cents), count(*) FROM client_charges")).one()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"weekly invoicing: {len(ids):,} invoices in {invoicing:.2f} s "
              f"({invoicing / raw:.1f}× the raw aggregate); invoices total {invoiced[0]:,} of {invoiced[1]:,} "
              f"charges = charges {charged[0]:,} of {charged[1]:,}: {tuple(invoiced) == tuple(charged)}")
        print(f"peak memory of this process: {peak_mb:.0f} MB")
        print(f"goals: ≤ 60 s {'met' if invoicing <= 60 else 'MISSED'}, ≤ 3× raw "
              f"{'met' if invoicing <= 3 * raw else 'MISSED'}, ≤ 500 MB {'met' if peak_mb <= 500 else 'MISSED'}")


@contextmanager
def _statement_times(engine):
    """(first words of the statement, seconds) for each statement run inside the block."""
    parts: list[tuple[str, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        context._bench_started = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        parts.append((" ".join(statement.split())[:90], time.perf_counter() - context._bench_started))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield parts
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _charges(clients: int, charges: int) -> None:
    """``charges`` charges spread evenly over ``clients`` clients, all in the week before the cut-off
    (so stamped with that week, as ``charge_order`` would)."""
    from portal.db import db

    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO client_charges (order_id, client_id, outcome, price_cents, discount_percent, "
            "discount_cents, amount_cents, charged_at, week_key) "
            "SELECT n, 1 + n % :clients, 'completed', 10000 + n % 5000, 5, (10000 + n % 5000) / 20, "
            "(10000 + n % 5000) - (10000 + n % 5000) / 20, "
            "timestamp '2026-11-23 00:00' + (n % 590000) * interval '1 second', :week "
            "FROM generate_series(1, :charges) AS n"), {"clients": clients, "charges": charges, "week": WEEK})


if __name__ == "__main__":
    main()
