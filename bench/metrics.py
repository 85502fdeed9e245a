"""What metrics and JSON logs cost a request (not a test).

    .venv/bin/python -m bench.metrics [--requests 2000] [--rounds 5]

Two apps, the same in all but one thing: one counts every request and writes its JSON line
(to /dev/null, through a real handler), the other has those hooks taken out: its rate is the
ceiling, measured in the same run and in alternating rounds so both see the same load. Also
times a scrape of /metrics with a series for every route, and one JSON line on its own.
Prints the load average: on a shared machine the ratio means more than the rates.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time


def _app(instrumented: bool):
    from portal.app import create_app

    tmp = tempfile.mkdtemp(prefix="mcf-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "TESTING": True,
                      "SECRET_KEY": "bench", "INSTANCE_PATH": tmp, "METRICS_TOKEN": "bench"})
    if not instrumented:
        ours = ("portal.metrics", "portal.logs")
        for funcs in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
            funcs[None] = [f for f in funcs.get(None, []) if f.__module__ not in ours]
    return app


def _rate(app, requests: int) -> float:
    client = app.test_client()
    began = time.perf_counter()
    for _ in range(requests):
        client.get("/healthz")
    return requests / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from portal import logs

    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the run
    sink.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(sink)
    root.setLevel(logging.INFO)

    instrumented, bare = _app(True), _app(False)
    _rate(instrumented, 200), _rate(bare, 200)  # warm up
    with_hooks, ceiling = [], []
    for _ in range(args.rounds):
        ceiling.append(_rate(bare, args.requests))
        with_hooks.append(_rate(instrumented, args.requests))
    load = os.getloadavg()
    measured, top = statistics.median(with_hooks), statistics.median(ceiling)
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs; "
          f"{args.rounds} rounds of {args.requests} GET /healthz (test client, one thread)")
    print(f"  ceiling, hooks out:       {top:8.0f} requests/s")
    print(f"  counted and logged:       {measured:8.0f} requests/s  ({measured / top:.0%} of the ceiling, "
          f"{(1 / measured - 1 / top) * 1e6:+.0f} µs a request)")

    # A scrape with one series per route: what a busy portal's page looks like.
    client = instrumented.test_client()
    with instrumented.app_context():
        from portal.db import db

        db.create_all()
    from portal import metrics

    for rule in instrumented.url_map.iter_rules():
        for status in ("200", "302", "404"):
            metrics.http_requests.labels(rule.rule, "GET", status).inc()
            metrics.http_latency.labels(rule.rule, "GET").observe(0.01)
    scrapes = []
    for _ in range(20):
        began = time.perf_counter()
        response = client.get("/metrics", headers={"Authorization": "Bearer bench"})
        scrapes.append(time.perf_counter() - began)
    lines = response.get_data(as_text=True).count("\n")
    print(f"  a scrape of /metrics:     {statistics.median(scrapes) * 1000:8.1f} ms "
          f"(median of 20; {len(list(instrumented.url_map.iter_rules()))} routes, {lines} lines, "
          f"{len(response.data) // 1024} KiB)")

    record = logging.LogRecord("portal.requests", logging.INFO, __file__, 1, "GET /healthz 200 in %s ms", (0.4,), None)
    for name, formatter in (("JSON", logs.JsonFormatter()), ("text", logs.TextFormatter())):
        began = time.perf_counter()
        for _ in range(20_000):
            formatter.format(record)
        print(f"  one {name} line formatted: {(time.perf_counter() - began) / 20_000 * 1e6:8.1f} µs")


if __name__ == "__main__":
    main()
