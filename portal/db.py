"""Database session, base model, time columns and the transaction helper."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Iterator

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, TypeDecorator, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, hands back aware UTC: the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # WAL lets the in-process job threads read while a request writes; busy_timeout
    # makes a writer wait for the lock instead of failing at once.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()
        # SQLite's lower() folds ASCII only; searches must find "Мурка" by "мурка" as on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


@contextmanager
def transaction() -> Iterator[None]:
    """One operation, one transaction: commit at the end of the outermost block.

    Operations wrap their work in this; an operation called from inside another
    (or from an event consumer) joins the caller's transaction instead of committing.
    """
    session = db.session
    depth = session.info.get("tx_depth", 0)
    session.info["tx_depth"] = depth + 1
    try:
        yield
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info["tx_depth"] = depth


def locked(model, *criteria, options=()):
    """The first ``model`` row matching ``criteria``, read fresh and locked for the rest of
    the transaction on both databases (None if there is none).

    Every operation that reads a state and then changes it takes its row through this, so
    two racing requests leave one result. PostgreSQL: ``SELECT … FOR UPDATE``. SQLite has no
    row locks and ignores ``FOR UPDATE``: a no-op write to the same rows takes the database's
    write lock first, so what is read next stays true until commit.
    """
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        table = model.__table__
        (key,) = table.primary_key.columns
        session.execute(update(table).where(key.in_(select(key).where(*criteria).scalar_subquery()))
                        .values({key.name: key}))
    query = select(model).where(*criteria).with_for_update(of=model).options(*options)
    return session.scalars(query.limit(1).execution_options(populate_existing=True)).first()


def lock_for_update(query):
    """Row lock on PostgreSQL only: being replaced by ``locked`` everywhere."""
    return query.with_for_update()
