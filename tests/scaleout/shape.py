"""The production shape on loopback: a Redis of its own, a PostgreSQL database of its own, and
the portal's processes started as an operator would (gunicorn, dramatiq, the scheduler).

Nothing here knows the portal's code: processes are driven by their commands, people by HTTP,
and effects are read from the database with plain SQL.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
import requests

from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The engineer's port range on the shared machine: Redis, two web processes, the applicant
# site, SMTP.
REDIS_PORT, WEB_PORTS, APPLICANTS_PORT, SMTP_PORT = 5360, (5361, 5362), 5363, 5364


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_until(condition, timeout: float, what: str, interval: float = 0.1):
    """``tests.waiting.wait_for``, where a server still starting (or restarting) counts as
    not yet."""
    def tolerant():
        try:
            return condition()
        except (requests.ConnectionError, redis.ConnectionError, psycopg.OperationalError):
            return None

    return wait_for(tolerant, timeout=timeout, interval=interval, message=what)


# --- the database ------------------------------------------------------------------------------

class Database:
    """``scaleout_<pid>`` on the test server: created for the run, dropped after it."""

    def __init__(self, server_url: str):
        parts = urlsplit(server_url)
        self.name = f"scaleout_{os.getpid()}"
        self.admin_url = server_url
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def create(self) -> "Database":
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def one(self, sql: str, *params):
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None

    def connections(self) -> int:
        """Connections the portal's processes hold to this database now (this one left out)."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (self.name,)).fetchone()[0]


# --- Redis -------------------------------------------------------------------------------------

class RedisServer:
    """A redis-server of the test's own: it is restarted, so it is never the shared one. Run as
    docs/operations.md says production's should be: append-only file, no eviction."""

    def __init__(self, directory: Path, port: int = REDIS_PORT):
        self.port, self.directory = port, directory
        self.url = f"redis://127.0.0.1:{port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--maxmemory-policy", "noeviction", "--dir", str(self.directory)],
            stdout=open(self.directory / "redis.log", "ab"), stderr=subprocess.STDOUT)
        wait_until(self.client().ping, 20, "redis-server to answer")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SHUTDOWN: the append-only file is written out first
            self.proc.wait(timeout=30)

    def restart(self) -> float:
        """Stop and start again; returns the seconds it did not answer."""
        began = time.monotonic()
        self.stop()
        self.start()
        return time.monotonic() - began

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5, decode_responses=True)


# --- the portal's processes -----------------------------------------------------------------

@dataclass
class Service:
    """One command, restarted when it exits if ``supervised`` (systemd's Restart=always,
    RestartSec=1), its output appended to a log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    supervised: bool = False
    proc: subprocess.Popen | None = None
    exits: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, exit code)
    starts: list[float] = field(default_factory=list)
    _stopping: bool = False
    _watcher: threading.Thread | None = None

    def start(self) -> "Service":
        self._spawn()
        if self.supervised:
            self._watcher = threading.Thread(target=self._supervise, name=f"supervise-{self.name}", daemon=True)
            self._watcher.start()
        return self

    def _spawn(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        self.starts.append(time.monotonic())

    def _supervise(self) -> None:
        while not self._stopping:
            code = self.proc.wait()
            if self._stopping:
                return
            self.exits.append((time.monotonic(), code))
            time.sleep(1.0)  # RestartSec=1: what the unit in docs/operations.md says
            if not self._stopping:
                self._spawn()

    def stop(self) -> None:
        self._stopping = True
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


BROKER_LINE = re.compile(r"pid=(\d+) is broker_id=([0-9a-f-]{36})")


def jobs_processes(jobs: Service) -> dict[str, int]:
    """broker id -> pid of the jobs processes started so far (jobs/worker.py logs the pair)."""
    return {broker_id: int(pid) for pid, broker_id in BROKER_LINE.findall(jobs.output())}


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child stays a zombie until its parent reaps it: that is dead too.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


# --- the clock -------------------------------------------------------------------------------

class SharedClock:
    """The offset every process follows (CLOCK_OFFSET_FILE, portal/clock.py)."""

    def __init__(self, path: Path):
        self.path = path

    def set(self, moment: datetime) -> None:
        offset = (moment - datetime.now(UTC)).total_seconds()
        partial = self.path.with_suffix(".partial")
        partial.write_text(f"{offset:.6f}\n")
        os.replace(partial, self.path)


# --- people at their browsers ----------------------------------------------------------------

CSRF = re.compile(r'(?:"X-CSRFToken": "|name="csrf_token" value=")([^"]+)"')


class Person:
    """One person's cookies, each request sent to the next web process in turn: no stickiness,
    as behind a round-robin load balancer."""

    def __init__(self, bases: list[str]):
        self.bases = itertools.cycle(bases)
        self.http = requests.Session()
        self.csrf: str | None = None
        self.served_by: list[str] = []

    def get(self, path: str, expect: int = 200, headers: dict | None = None) -> requests.Response:
        base = next(self.bases)
        response = self.http.get(base + path, timeout=30, allow_redirects=False, headers={**self._cookie(), **(headers or {})})
        self.served_by.append(base)
        assert response.status_code == expect, f"GET {base}{path}: {response.status_code} {response.text[:300]}"
        if token := CSRF.search(response.text or ""):
            self.csrf = token.group(1)
        return response

    def post(self, path: str, data: dict | None = None, files: dict | None = None,
             expect: tuple[int, ...] = (302, 303)) -> requests.Response:
        base = next(self.bases)
        form = {"csrf_token": self.csrf, **(data or {})}
        response = self.http.post(base + path, data=form, files=files, timeout=60, allow_redirects=False,
                                  headers=self._cookie())
        self.served_by.append(base)
        assert response.status_code in expect, f"POST {base}{path}: {response.status_code} {response.text[:500]}"
        return response

    def _cookie(self) -> dict:
        """Browsers treat loopback as a secure context, so the portal's Secure cookies (it runs
        in production mode here) go to http://127.0.0.1 as they would over TLS; requests'
        cookie jar keeps them but sends Secure cookies over https only."""
        return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)} if self.http.cookies else {}

    def sign_in(self, email: str, password: str) -> None:
        self.get("/login")
        home = self.post("/login", {"email": email, "password": password}).headers["Location"]
        self.get(urlsplit(home).path)  # the new session's CSRF token
