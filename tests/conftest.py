"""Fixtures for the whole suite.

The suite runs on the embedded defaults (SQLite file, in-process broker). With
TEST_DATABASE_URL / TEST_REDIS_URL set it runs the same tests on PostgreSQL and Redis;
under CI=true an unreachable service is an error, never a skip.
"""

from __future__ import annotations

import contextvars
import os
import re
import tempfile
from contextlib import contextmanager
from queue import Queue
from pathlib import Path

# Before anything imports jobs.broker: the broker is chosen from the environment.
if os.environ.get("TEST_REDIS_URL"):
    os.environ["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    # Runs sharing one Redis must not take (or flush) each other's messages.
    os.environ.setdefault("JOBS_REDIS_NAMESPACE", f"mcf-test-{os.getpid()}")
    os.environ.setdefault("RATELIMIT_REDIS_PREFIX", f"mcf-test-limits-{os.getpid()}")
else:
    os.environ.pop("REDIS_URL", None)
os.environ.setdefault("JOBS_MIN_BACKOFF_MS", "20")
os.environ.setdefault("JOBS_MAX_BACKOFF_MS", "200")
os.environ.pop("SECRET_KEY", None)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("SMTP_HOST", None)

import pytest  # noqa: E402
from flask.globals import _cv_app  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from portal import clock  # noqa: E402
from portal.app import create_app  # noqa: E402
from portal.db import db as _db  # noqa: E402
from tests import factories  # noqa: E402
from tests.waiting import wait_for  # noqa: E402,F401 - re-exported for tests
from tests.smtp import smtp_server  # noqa: E402,F401 - fixture: a real SMTP server (aiosmtpd)
from tests.log_lines import log_lines  # noqa: E402,F401 - fixture: the JSON log lines a test caused

class IsolatedClient(FlaskClient):
    """Each request gets its own app context (own ``g``, own DB session), as in production,
    even while the test itself holds one open to call operations directly."""

    def open(self, *args, **kwargs):
        def run():
            _cv_app.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        return contextvars.copy_context().run(run)


_tmp = tempfile.mkdtemp(prefix="mcf-tests-")
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp}/test.sqlite3"
ON_POSTGRES = DATABASE_URL.startswith(("postgres", "postgresql"))


def _require_services() -> None:
    """In CI a configured service that does not answer fails the run."""
    if os.environ.get("TEST_REDIS_URL"):
        import redis

        try:
            redis.Redis.from_url(os.environ["TEST_REDIS_URL"], socket_timeout=3).ping()
        except Exception as exc:  # noqa: BLE001
            pytest.exit(f"TEST_REDIS_URL is set but Redis does not answer: {exc}", returncode=3)


def _compile_catalogues() -> None:
    """Russian pages need compiled catalogues: `make test` builds them, a bare pytest run may find
    none or stale ones (and Flask-Babel keeps whichever it loads first for the whole session)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path(__file__).parent.parent.glob("portal/translations/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalogue = read_po(fh)
            partial = mo.with_suffix(f".{os.getpid()}.tmp")  # a concurrent run never reads half a file
            with partial.open("wb") as fh:
                write_mo(fh, catalogue)
            os.replace(partial, mo)


@pytest.fixture(scope="session")
def app():
    _require_services()
    _compile_catalogues()
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "INSTANCE_PATH": _tmp,
        "WTF_CSRF_ENABLED": False,  # tests/test_security.py turns it on to test it
        "PASSWORD_TIME_COST": 1,
        "PASSWORD_MEMORY_COST": 1024,
        "PUBLIC_URL": "http://portal.test",
        "EMAIL_RETRY_BASE_SECONDS": 0.05,
        "SERVER_NAME": None,
        # Most tests state their times in UTC; the zone tests set another with `business_zone`.
        "PORTAL_TIME_ZONE": "UTC",
    })
    application.test_client_class = IsolatedClient
    with application.app_context():
        try:
            _reset_schema()
        except Exception as exc:  # noqa: BLE001
            pytest.exit(f"test database {DATABASE_URL} is not reachable: {exc}", returncode=3)
    yield application


def _reset_schema() -> None:
    """Drop everything and build the schema through the migrations (tests them too)."""
    from portal.migrate import upgrade

    with _db.engine.begin() as conn:
        if ON_POSTGRES:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            _db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


def _empty_tables() -> None:
    _db.session.remove()
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if ON_POSTGRES:
            # A connection a test left open in a transaction would make TRUNCATE wait for
            # ever; fail within seconds instead, naming the lock, so the run goes on.
            conn.execute(text("SET LOCAL lock_timeout = '30s'"))
            conn.execute(text("TRUNCATE %s RESTART IDENTITY CASCADE" % ", ".join(t.name for t in tables)))
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture(autouse=True)
def _clean_state(app):
    """Every test starts with empty tables, an empty queue and the wall clock."""
    yield
    clock.reset()
    from jobs.broker import broker

    broker.flush_all()
    _fresh_stub_queues(broker)
    from roles.applicants.flood import limiter

    limiter.reset()  # rate-limit counts live outside the database (memory or Redis)
    from portal.orders import forget_service_names

    forget_service_names()  # kept per process; the tables are emptied below
    with app.app_context():
        _empty_tables()
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["PORTAL_TIME_ZONE"] = "UTC"


@pytest.fixture
def business_zone(app):
    """``business_zone("Europe/Berlin")`` sets the portal's zone for this test."""

    def _set(name: str) -> None:
        app.config["PORTAL_TIME_ZONE"] = name

    return _set


def _fresh_stub_queues(broker) -> None:
    """New in-process queues for the next test.

    A stopped worker puts the messages it had prefetched back with ``put`` although
    their ``get`` was never marked done, so the queue's task counter stays above zero
    and ``broker.join`` would wait forever in a later test.
    """
    from dramatiq.brokers.stub import StubBroker

    if isinstance(broker, StubBroker):
        for name in list(broker.queues):
            broker.queues[name] = Queue()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db
        _db.session.remove()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def login_as(client, db):
    """``login_as("manager")`` signs the test client in as a new user of that role."""

    def _login(role: str, **kw):
        user = factories.user(role, **kw)
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code in (302, 303), response.data[:500]
        return user

    return _login


@pytest.fixture
def jobs_worker(app):
    """A real Dramatiq worker (in-process broker, or Redis in CI) for this test."""
    import dramatiq

    from jobs.broker import broker

    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    yield worker
    worker.stop()
    # Each Worker registers a middleware on the broker that outlives it; drop it so the
    # next test's worker is the only one told about queues.
    broker.middleware[:] = [m for m in broker.middleware if getattr(m, "worker", None) is not worker]


@pytest.fixture
def count_queries(app, db):
    """``with count_queries() as n: ...`` then ``n.count`` statements were run (``n.calls``:
    each with its parameters)."""

    @contextmanager
    def _count():
        counter = type("Counter", (), {"count": 0, "statements": [], "calls": []})()
        from portal.orders import forget_service_names

        forget_service_names()  # every count sees the page as a process that has kept nothing

        def before(conn, cursor, statement, parameters, context, executemany):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK)", statement, re.I):
                counter.count += 1
                counter.statements.append(statement)
                counter.calls.append((statement, parameters))  # to EXPLAIN them afterwards

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return _count
