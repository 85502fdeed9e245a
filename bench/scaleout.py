"""How many processes one PostgreSQL serves (not a test): throughput and connections as web
processes are added, with the jobs service and the scheduler running beside them.

    createdb -h 127.0.0.1 -U postgres bench_scaleout
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_scaleout .venv/bin/python -m bench.scaleout \\
        [--web 1,2,4] [--threads 8] [--seconds 20]

The database is emptied and rebuilt (the URL must name a database called bench*). A Redis of
its own is started on port 5360 (tests/scaleout/shape.py's helpers start everything). For each
count of web processes (`gunicorn -w N`, sync workers as in docs/operations.md) plus
`dramatiq jobs.worker --processes 2 --threads 4` and the scheduler, ``--threads`` signed-in
clients (accounts from ``flask generate --password``) load their dashboard (`/client/`: the
client's orders, a constant number of queries) as fast as they can for ``--seconds``; then the
same threads load `/healthz` (no database) for the same time: the ceiling of the HTTP stack on
this machine in the same run. PostgreSQL's connections to the database are sampled throughout.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from tests.scaleout import shape

PASSWORD = "bench-pass"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", default="1,2,4", help="web process counts to try, comma-separated")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not url.rsplit("/", 1)[-1].startswith("bench"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database called bench* (it is emptied)")
    tmp = Path(tempfile.mkdtemp(prefix="mcf-bench-scaleout-"))
    redis_server = shape.RedisServer(tmp).start()
    env = {**os.environ, "PATH": f"{shape.BIN}:{os.environ.get('PATH', '')}", "PYTHONUNBUFFERED": "1",
           "SECRET_KEY": secrets.token_urlsafe(32), "DEMO": "0", "REDIS_URL": redis_server.url,
           "INSTANCE_PATH": str(tmp), "BAKERY_LATENCY_SECONDS": "0"}
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
            max_connections = conn.execute("SHOW max_connections").fetchone()[0]
        flask = [str(shape.BIN / "flask"), "--app", "wsgi"]
        subprocess.run([*flask, "migrate"], env=env, cwd=shape.ROOT, check=True, capture_output=True)
        subprocess.run([*flask, "generate", "--workers", "200", "--clients", str(args.threads), "--orders", "5000",
                        "--password", PASSWORD], env=env, cwd=shape.ROOT, check=True, capture_output=True)
        with psycopg.connect(url) as conn:
            clients = [r[0] for r in conn.execute("SELECT email FROM users WHERE role = 'client' ORDER BY id")]
        print(f"PostgreSQL max_connections={max_connections}; {args.threads} client threads, "
              f"{args.seconds:.0f} s per measure; load average at start {os.getloadavg()}")
        print("| web processes | dashboard req/s | p50 ms | p95 ms | /healthz req/s (ceiling) | ratio "
              "| PG connections (most) | of them active (most) | load |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for count in [int(n) for n in args.web.split(",")]:
            print(measure(count, clients, args, env, url, tmp), flush=True)
    finally:
        redis_server.stop()


def measure(count: int, clients: list[str], args, env: dict, url: str, tmp: Path) -> str:
    port = shape.WEB_PORTS[0]
    services = [
        shape.Service("web", [str(shape.BIN / "gunicorn"), "-w", str(count), "-b", f"127.0.0.1:{port}", "wsgi:app"],
                      env, tmp / f"web{count}.log"),
        shape.Service("jobs", [str(shape.BIN / "dramatiq"), "jobs.worker", "--processes", "2", "--threads", "4"],
                      env, tmp / f"jobs{count}.log"),
        shape.Service("scheduler", [str(shape.BIN / "flask"), "--app", "wsgi", "scheduler"], env,
                      tmp / f"scheduler{count}.log"),
    ]
    for service in services:
        service.start()
    try:
        base = f"http://127.0.0.1:{port}"
        shape.wait_until(lambda: shape.requests.get(base + "/readyz", timeout=5).status_code == 200, 180, "the web")
        people = []
        for email in clients:
            person = shape.Person([base])
            person.sign_in(email, PASSWORD)
            people.append(person)
        sampling, samples = threading.Event(), []

        def sample():
            with psycopg.connect(url, autocommit=True) as conn:
                while not sampling.is_set():
                    samples.append(conn.execute(
                        "SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone())
                    sampling.wait(0.25)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        page = load(people, "/client/", args.seconds)
        ceiling = load(people, "/healthz", args.seconds)
        sampling.set()
        sampler.join()
        rate, ceiling_rate = len(page) / args.seconds, len(ceiling) / args.seconds
        p95 = statistics.quantiles(page, n=20)[-1] if len(page) > 1 else float("nan")
        return (f"| {count} | {rate:.1f} | {statistics.median(page):.0f} | {p95:.0f} | {ceiling_rate:.1f} "
                f"| {rate / ceiling_rate:.2f} | {max(s[0] for s in samples)} | {max(s[1] for s in samples)} "
                f"| {os.getloadavg()[0]:.1f} |")
    finally:
        for service in reversed(services):
            service.stop()


def load(people: list[shape.Person], path: str, seconds: float) -> list[float]:
    """Each person requests ``path`` in a loop for ``seconds``; every request's milliseconds."""
    times: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(person: shape.Person) -> None:
        while time.monotonic() < deadline:
            began = time.monotonic()
            person.get(path)
            with lock:
                times.append((time.monotonic() - began) * 1000)

    threads = [threading.Thread(target=run, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


if __name__ == "__main__":
    sys.exit(main())
