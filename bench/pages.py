"""Page benchmark (not a test): each role's main pages against a bare Flask + Jinja page of
the same HTML size, both under gunicorn with the same settings, measured interleaved.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_pages .venv/bin/python -m bench.pages

Fills the database (a PostgreSQL URL must name a ``bench*`` database; ``--keep`` reuses what
an earlier run generated) with ``bench.generate``'s workers, clients and past orders, opens a
signed-in session for a client, a worker, a manager and a warehouse keeper (the cookie is
made the way a login makes it), then for each page, ``--rounds`` times: ``--seconds`` of
requests to the page, then as long to ``bench.pages:bare`` rendering as many bytes. The bare
page is the ceiling measured in the same run, on the same loaded machine; the ratio of the
medians is what the page costs over the framework's own minimum. The load comes from
``--connections`` processes (one request at a time each), so the client is no bottleneck on
one interpreter's lock.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time

from flask import Flask, render_template_string

from bench.applicants import ROOT, Browser, gunicorn

PORTAL_PORT, BARE_PORT = 5330, 5331  # this workplace's ports

# Each role's main pages (what a person opens most); a new page is one line.
PAGES = [
    ("client", "/client/"),
    ("client", "/client/billing"),
    ("worker", "/worker/"),
    ("worker", "/worker/earnings"),
    ("warehouse", "/warehouse/"),
    ("manager", "/manager/"),
    ("manager", "/manager/orders"),
    ("manager", "/manager/orders?page=40"),
    ("manager", "/manager/people"),
    ("manager", "/manager/applicants"),
    ("manager", "/manager/emails"),
    ("manager", "/manager/runs"),
    ("manager", "/manager/billing"),
    ("manager", "/manager/bets"),
    ("manager", "/manager/quality"),
]

# The yardstick: Flask rendering a Jinja template of a given size (table rows, as pages are).
bare = Flask("bare")
_ROW = "<tr><td>{{ i }}</td><td>{{ name }}</td><td>{{ text }}</td></tr>\n"
_BARE = ("<!doctype html><html><head><title>{{ name }}</title></head><body><table>\n"
         "{% for i in range(rows) %}" + _ROW + "{% endfor %}</table>{{ tail }}</body></html>")
_ROW_BYTES = 81  # what one row above renders to, roughly


@bare.get("/bare/<int:size>")
def bare_page(size: int):
    rows = size // _ROW_BYTES
    return render_template_string(_BARE, rows=rows, name="Bench cat", text="x" * 40,
                                  tail="y" * max(size - rows * _ROW_BYTES - 110, 0))


def _prepare(database_url: str, orders: int, keep: bool) -> dict[str, str]:
    """Data and one signed-in session cookie per role (``role -> Cookie header``)."""
    from sqlalchemy import func, select, text

    from bench.generate import _accounts, generate
    from portal.app import create_app
    from portal.db import db
    from portal.migrate import upgrade
    from portal.orders.models import Order
    from portal.people import open_session
    from portal.people.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-secret"})
    with app.app_context():
        if not keep:
            with db.engine.begin() as conn:
                if database_url.startswith("postgres"):
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
            upgrade()
            started = time.perf_counter()
            print("generated", generate(workers=2_000, clients=1_000, orders=orders),
                  f"in {time.perf_counter() - started:.0f} s", flush=True)
            from portal import clock
            for role in ("manager", "warehouse"):
                _accounts(role, 1, "bench", clock.now())
            db.session.commit()
            if database_url.startswith("postgres"):
                with db.engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        cookies = {}
        serializer = app.session_interface.get_signing_serializer(app)
        for role in ("client", "worker", "manager", "warehouse"):
            column = {"client": Order.client_id, "worker": Order.worker_id}.get(role)
            if column is not None:  # the busiest client and worker: the most rows to list
                user_id = db.session.scalar(select(column).where(column.is_not(None)).group_by(column)
                                            .order_by(func.count().desc()).limit(1))
            else:
                user_id = db.session.scalar(select(User.id).where(User.role == role).limit(1))
            user = db.session.get(User, user_id)
            token = open_session(user, "127.0.0.1", "bench")
            value = serializer.dumps({"_user_id": str(user.id), "_fresh": True, "sid": token})
            cookies[role] = f"{app.config['SESSION_COOKIE_NAME']}={value}"
    return cookies


def _hammer(args) -> int:
    """Requests answered 200 within ``seconds`` on one connection."""
    base, path, cookie, seconds = args
    browser = Browser(base)
    if cookie:
        name, value = cookie.split("=", 1)
        browser.cookies[name] = value
    done, until = 0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        status = browser.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{path}: {status}")
        done += 1
    return done


def _rate(pool, connections: int, base: str, path: str, cookie: str, seconds: float) -> float:
    started = time.perf_counter()
    done = sum(pool.map(_hammer, [(base, path, cookie, seconds)] * connections))
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="reuse the data an earlier run generated")
    parser.add_argument("--only", default="", help="only pages whose path contains this")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgresql") or "/bench" not in database_url:
        sys.exit("DATABASE_URL must name a PostgreSQL bench* database (it is emptied)")

    cookies = _prepare(database_url, args.orders, args.keep)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
    env.update(SECRET_KEY="bench-secret", DATABASE_URL=database_url, PYTHONPATH=ROOT, DEMO="0")
    pages = [(role, path) for role, path in PAGES if args.only in path]
    w, c, s = args.workers, args.connections, args.seconds
    print(f"gunicorn: {w} sync workers each; {c} client processes; {s} s per run, {args.rounds} rounds, "
          f"interleaved; {os.cpu_count()} CPUs; load average at start {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    with (gunicorn("wsgi:app", env, w, PORTAL_PORT) as portal, gunicorn("bench.pages:bare", env, w, BARE_PORT) as ceiling,
          multiprocessing.get_context("fork").Pool(c) as pool):
        for role, path in pages:
            browser = Browser(portal)
            browser.cookies.update([cookies[role].split("=", 1)])
            status, html = browser.fetch("GET", path)
            if status != 200:
                sys.exit(f"{path}: {status}")
            size = len(html.encode())
            assert Browser(ceiling).fetch("GET", f"/bare/{size}")[0] == 200
            page_rates, bare_rates, loads = [], [], []
            for _ in range(args.rounds):
                page_rates.append(_rate(pool, c, portal, path, cookies[role], s))
                bare_rates.append(_rate(pool, c, ceiling, f"/bare/{size}", "", s))
                loads.append(os.getloadavg()[0])
            page, ceil = statistics.median(page_rates), statistics.median(bare_rates)
            rows.append((role, path, size, page, ceil, page / ceil, statistics.median(loads)))
            print(f"{role:9} {path:26} {size:7} B {page:7.0f} req/s   bare {ceil:7.0f} req/s   "
                  f"ratio {page / ceil:.3f}   load {statistics.median(loads):.1f}", flush=True)
    print("\n| role | page | HTML bytes | page req/s | bare req/s | ratio | load |\n|---|---|---:|---:|---:|---:|---:|")
    for role, path, size, page, ceil, ratio, load in rows:
        print(f"| {role} | `{path}` | {size:,} | {page:.0f} | {ceil:.0f} | {ratio:.3f} | {load:.1f} |")


if __name__ == "__main__":
    main()
