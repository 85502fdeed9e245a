"""What every benchmark starts with: a database it may empty, the app on it, a fresh schema."""

from __future__ import annotations

import os
import tempfile

from sqlalchemy import text
from sqlalchemy.engine import make_url


def bench_database(postgres: bool = False, redis: bool = False) -> tuple[str, str]:
    """(URL, database name) from DATABASE_URL: a PostgreSQL database must be called bench*, since
    the benchmark empties it; without one, a SQLite file in a new temporary folder (unless
    ``postgres``). ``redis``: REDIS_URL must be set too."""
    url = os.environ.get("DATABASE_URL", "")
    if not url and not postgres:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='mcf-bench-')}/bench.sqlite3"
    database = (make_url(url).database or "") if url else ""
    if (postgres or url.startswith("postgres")) and not (url.startswith("postgres") and database.startswith("bench")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database called bench* (it is emptied)")
    if redis and not os.environ.get("REDIS_URL"):
        raise SystemExit("set REDIS_URL: the benchmark runs real job workers on Redis")
    return url, database


def bench_app(url: str, **config):
    """The portal on ``url`` in test mode (no demo data, the sandbox providers without latency
    unless ``config`` says otherwise)."""
    from portal.app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "bench",
                       "INSTANCE_PATH": tempfile.gettempdir()} | config)


def fresh_schema() -> None:
    """Every table dropped and migrated again: each run starts from an empty database."""
    from portal.db import db
    from portal.migrate import upgrade

    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


def analyze() -> None:
    """Fresh planner statistics, as autovacuum would have them on a live database."""
    from portal.db import db

    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
