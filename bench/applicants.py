"""Applicant-site benchmark (not a test): what a flood costs, and whether it hurts the portal.

    .venv/bin/python -m bench.applicants [--seconds 5] [--connections 32]

On loopback only, bounded in time: each wrk run lasts ``--seconds``; the dashboard is
timed with ``--requests`` sequential requests. Everything runs under gunicorn (sync
workers), on a fresh SQLite demo database in a temp directory, with memory rate limits
(set ``REDIS_URL`` to measure Redis-backed limits instead):

1. ``GET /careers/apply`` from ``wsgi:applicants_app``, and a rate-limited 429 from it,
   each as a ratio to a bare Flask 404 served by gunicorn the same way (``bench.applicants:bare``).
2. The p95 of a signed-in client's dashboard (``/client/``) served by a separate gunicorn
   (``wsgi:app``), without and then with ``/careers/apply`` flooded by wrk.

Needs wrk (Debian: ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")
FLASK = os.path.join(os.path.dirname(sys.executable), "flask")

# The yardstick: the cheapest thing gunicorn + Flask can answer.
bare = Flask("bare")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One keep-alive connection with a cookie jar (the standard library only)."""

    def __init__(self, base: str):
        self.conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> int:
        return self.fetch(method, path, form)[0]

    def fetch(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text


def status_of(url: str) -> int:
    parts = urlsplit(url)
    return Browser(f"http://{parts.netloc}").request("GET", parts.path)


@contextmanager
def gunicorn(target: str, env: dict, workers: int, port: int | None = None):
    """``target`` served on ``port`` (a free loopback port when None) until the block ends."""
    port = port or _free_port()
    proc = subprocess.Popen([GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             target], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                status_of(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def wrk(url: str, seconds: int, connections: int) -> float:
    """Requests per second wrk got from ``url`` (two threads, bounded by ``seconds``)."""
    out = subprocess.run(["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", url],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def dashboard_p95(base: str, requests: int) -> float:
    """p95 in ms of a signed-in demo client's dashboard, requested one after another."""
    browser = Browser(base)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.fetch("GET", "/login")[1]).group(1)
    browser.request("POST", "/login", {"email": "client@mcf.test", "password": "demo", "csrf_token": token})
    assert browser.request("GET", "/client/") == 200, "the demo client could not sign in"
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        assert browser.request("GET", "/client/") == 200
        times.append((time.perf_counter() - start) * 1000)
    return statistics.quantiles(times, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    instance = tempfile.mkdtemp(prefix="mcf-bench-applicants-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(INSTANCE_PATH=instance, DEMO="1", PYTHONPATH=ROOT,
               # Counted per address; wrk is one address, so only the 429 run may hit them.
               APPLICANT_PAGE_LIMIT="1000000 per minute", APPLY_SUBMISSION_LIMIT="5 per hour")
    subprocess.run([FLASK, "--app", "wsgi", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([FLASK, "--app", "wsgi", "demo-data"], cwd=ROOT, env=env, check=True, capture_output=True)
    limited = env | {"APPLICANT_PAGE_LIMIT": "1 per day"}
    w, s, c = args.workers, args.seconds, args.connections
    print(f"gunicorn: {w} sync workers each; wrk: {c} connections, {s} s per run; {os.cpu_count()} CPUs; "
          f"rate-limit storage: {'Redis' if env.get('REDIS_URL') else 'memory'}")

    with gunicorn("bench.applicants:bare", env, w) as base:
        assert status_of(base + "/nothing") == 404
        bare_404 = wrk(base + "/nothing", s, c)
    with gunicorn("wsgi:applicants_app", env, w) as base:
        assert status_of(base + "/careers/apply") == 200
        apply_page = wrk(base + "/careers/apply", s, c)
    with gunicorn("wsgi:applicants_app", limited, w) as base:
        # Use up the one allowed view (per worker, with memory counts) before measuring.
        assert any(status_of(base + "/careers/apply") == 429 for _ in range(10 * w))
        too_many = wrk(base + "/careers/apply", s, c)
    print(f"bare Flask 404:        {bare_404:8.0f} req/s")
    print(f"GET /careers/apply:    {apply_page:8.0f} req/s  = {bare_404 / apply_page:.2f}x the cost of a bare 404")
    print(f"rate-limited 429:      {too_many:8.0f} req/s  = {bare_404 / too_many:.2f}x the cost of a bare 404")

    with gunicorn("wsgi:app", env, w) as portal, gunicorn("wsgi:applicants_app", env, w) as site:
        quiet = dashboard_p95(portal, args.requests)
        flood = threading.Thread(target=wrk, args=(site + "/careers/apply", s * 3, c), daemon=True)
        flood.start()
        time.sleep(1)  # the flood is at full strength
        flooded = dashboard_p95(portal, args.requests)
        flood.join()
    print(f"client dashboard p95:  {quiet:8.1f} ms quiet, {flooded:.1f} ms while /careers/apply is flooded "
          f"= {flooded / quiet:.2f}x")


if __name__ == "__main__":
    main()
