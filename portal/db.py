"""Database session, base model, time columns and the transaction helper."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Iterator

from flask import has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, TypeDecorator, bindparam, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

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


# How long a SQLite writer waits for the write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 15_000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # WAL lets the in-process job threads read while a request writes; busy_timeout
    # makes a writer wait for the lock instead of failing at once.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()
        # SQLite's lower() folds ASCII only; searches must find "Мурка" by "мурка" as on PostgreSQL.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        # PostgreSQL compiles a statement whose estimated cost passes jit_above_cost: worth it
        # for long reports, ~100 ms lost on each of our short ones (the weekly run's next chunk
        # of invoices was planned at that cost and took 0.3 s instead of 1 ms).
        dbapi_connection.execute("SET jit = off")
        dbapi_connection.commit()


def _lower(value):
    return value.lower() if isinstance(value, str) else value


@contextmanager
def transaction() -> Iterator[None]:
    """One operation, one transaction: commit at the end of the outermost block.

    Operations wrap their work in this; an operation called from inside another
    (or from an event consumer) joins the caller's transaction instead of committing.
    On SQLite the outermost block starts with the database's write lock held (see
    ``locked``), so racing operations queue up instead of failing.
    """
    session = db.session
    depth = session.info.get("tx_depth", 0)
    session.info["tx_depth"] = depth + 1
    try:
        if depth == 0:
            _hold_sqlite_write_lock(session)
        yield
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info["tx_depth"] = depth


def _hold_sqlite_write_lock(session) -> None:
    """SQLite: make the current transaction hold the database's write lock, waiting its turn.

    pysqlite (in its default, legacy mode) runs reads outside a transaction and opens one
    with a plain ``BEGIN`` before the first write. A transaction that reads and only then
    writes fails at once with SQLITE_BUSY ("database is locked", busy_snapshot, busy_timeout
    is not consulted) when another connection committed in between: its snapshot is stale.
    ``BEGIN IMMEDIATE`` takes the write lock before the first read, and waits for it up to
    busy_timeout. Already in a transaction: it began with BEGIN IMMEDIATE or with a write,
    either way the lock is held.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    if connection.connection.dbapi_connection.in_transaction:
        return
    _enter_gate(connection)
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _leave_gate(connection.info)
        raise


# One writer at a time per SQLite database within this process. Threads (requests, the
# embedded jobs) queue on this lock and are woken as soon as it is free; SQLite's own busy
# handler polls with sleeps growing to 100 ms, so under contention a waiter could miss its
# turn for seconds (measured: p95 440 ms, max 3.9 s for ten threads on one row). Other
# processes still queue on busy_timeout. Taken just before BEGIN IMMEDIATE, given back when
# that transaction ends (commit, rollback, or the connection going back to the pool).
_gates: dict[str, threading.Lock] = {}
_gates_guard = threading.Lock()


def _enter_gate(connection) -> None:
    with _gates_guard:
        gate = _gates.setdefault(str(connection.engine.url), threading.Lock())
    if gate.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        connection.info["sqlite_gate"] = gate
    # else: the holder is stuck; BEGIN IMMEDIATE below reports "database is locked".


def _leave_gate(info) -> None:
    gate = info.pop("sqlite_gate", None)
    if gate is not None:
        gate.release()


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ended(connection) -> None:
    _leave_gate(connection.info)


@event.listens_for(Pool, "checkin")
def _connection_returned(dbapi_connection, connection_record) -> None:
    if connection_record is not None:
        _leave_gate(connection_record.info)
        connection_record.info["returned_at"] = time.monotonic()


# A PostgreSQL connection that sat in the pool longer than this is pinged before it is handed
# out: a database restart or an idle cut by the network shows there, and the pool opens a new
# connection instead of failing the request. A busy process hands connections straight on
# and pings none; pool_pre_ping pinged every checkout, one round trip in six of a small page.
PING_AFTER_IDLE_SECONDS = 1.0


@event.listens_for(Pool, "checkout")
def _ping_after_idle(dbapi_connection, connection_record, connection_proxy) -> None:
    returned_at = connection_record.info.get("returned_at")
    if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
        return  # new, or back from a request a moment ago
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return  # SQLite is a file: nothing between here and it can go away
    autocommit = dbapi_connection.autocommit  # an AUTOCOMMIT engine's connections stay so
    try:
        dbapi_connection.autocommit = True  # no transaction left open by the ping
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.autocommit = autocommit
    except Exception as exc:  # noqa: BLE001 - any failure means this connection is no good
        # A restart drops every pooled connection: the pool replaces them all, not one per request.
        raise InvalidatePoolError("connection lost while idle in the pool") from exc


# A page (GET or HEAD) reads outside a transaction on PostgreSQL: psycopg sends no BEGIN
# and the request's end no ROLLBACK, two round trips of the three or four a small page
# makes. Under READ COMMITTED each statement sees its own snapshot in a transaction too, so
# the page reads what it read before. Anything else (a write, a row lock, a statement inside
# ``transaction()``) first turns the connection back to a transaction that lasts as before,
# so a write from a page is never committed unless an operation commits it.
def _reading_only(dbapi_connection) -> bool:
    return (type(dbapi_connection).__module__.startswith("psycopg") and has_request_context()
            and request.method in ("GET", "HEAD") and not dbapi_connection.autocommit)


@event.listens_for(Pool, "checkout")
def _read_without_transaction(dbapi_connection, connection_record, connection_proxy) -> None:
    if _reading_only(dbapi_connection):
        dbapi_connection.autocommit = True
        connection_record.info["reading_only"] = True


@event.listens_for(Engine, "before_cursor_execute")
def _transaction_for_more_than_reads(conn, cursor, statement, parameters, context, executemany) -> None:
    if not conn.info.get("reading_only"):
        return
    if db.session.info.get("tx_depth") or not _plain_read(statement):
        conn.info.pop("reading_only")
        conn.connection.dbapi_connection.autocommit = False


def _plain_read(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    return head == "SELECT" and " FOR UPDATE" not in statement and " FOR NO KEY" not in statement \
        and " FOR SHARE" not in statement


@event.listens_for(Pool, "checkin")
def _transactions_again(dbapi_connection, connection_record) -> None:
    if connection_record is not None and connection_record.info.pop("reading_only", False):
        dbapi_connection.autocommit = False


@event.listens_for(Pool, "invalidate")
def _connection_lost(dbapi_connection, connection_record, exception) -> None:
    if connection_record is not None:  # its transaction is gone with it
        _leave_gate(connection_record.info)


def locked(model, *criteria, options=()):
    """The ``model`` row matching ``criteria``, read fresh and locked until the transaction
    ends, on both databases (None if there is none).

    Every operation that reads a state and then changes it takes its row through this, so
    racing requests leave one result: the second waits for the first to commit, then reads
    what the first wrote. ``criteria`` name one row (its id, a unique key); ``options`` are
    loader options for what the operation reads with it: ``selectinload(...)`` for rows it
    may change (read by a statement of their own once the lock is held, so as they are now;
    joined into the locking statement, PostgreSQL would hand them back as they were before
    the wait, since only the locked row is read again).

    PostgreSQL: ``SELECT … FOR UPDATE OF <table>``, a row lock; others wait on this row only.
    SQLite has no row locks and ignores ``FOR UPDATE``: the transaction takes the database's
    write lock (``BEGIN IMMEDIATE``, which ``transaction()`` already did for an operation),
    so every other writer waits (``busy_timeout``) until this transaction ends, and readers
    go on (WAL). The row is read with ``populate_existing``: an object the session loaded
    before the lock (the signed-in user, a page's own read) is refreshed, never trusted.
    """
    session = db.session
    _hold_sqlite_write_lock(session)
    query = (select(model).where(*criteria).with_for_update(of=model).options(*options)
             .execution_options(populate_existing=True))
    return session.scalars(query).unique().first()


def locked_all(model, *criteria, order_by) -> list:
    """Like ``locked``, for every row matching ``criteria`` (a batch), locked in ``order_by``
    order: batches that lock in the same order never wait on each other in a circle."""
    session = db.session
    _hold_sqlite_write_lock(session)
    query = (select(model).where(*criteria).order_by(order_by).with_for_update(of=model)
             .execution_options(populate_existing=True))
    return list(session.scalars(query))


def locked_or_new(model, *criteria, **values):
    """Like ``locked``, for a row that may not exist yet (a client's one card, a settings row):
    inserted with ``values`` if missing. Two first inserts racing leave one row: the loser's
    insert meets the unique key, is undone alone (a SAVEPOINT) and it locks the winner's row."""
    row = locked(model, *criteria)
    if row is None:
        row = model(**values)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = locked(model, *criteria)
    return row


def add_once(row, model, *criteria):
    """Add ``row`` unless a row of ``model`` matching ``criteria`` (a form's submission key,
    unique) is there already: returns (the row, whether this call added it).

    A form sent twice (a double click, two tabs, a resend after a lost answer) carries the same
    key, so the second sending finds the first one's row and does nothing more. Two sendings
    racing: the loser's insert meets the unique key (on PostgreSQL it waits for the winner's
    commit), is undone alone (a SAVEPOINT) and the winner's row is returned.
    """
    found = db.session.scalar(select(model).where(*criteria))
    if found is not None:
        return found, False
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = db.session.scalar(select(model).where(*criteria))
        if found is None:  # another unique key than the submission's: not ours to hide
            raise
        return found, False
    return row, True


# ``INSERT … ON CONFLICT DO NOTHING`` on either database: the unique index decides, not a
# read before the write, so two racing writers leave one row (and one statement, no SAVEPOINT).

def upsert(table):
    """The database's own ``INSERT`` (with ``on_conflict_do_nothing``), on either database."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_once(table, conflict: list[str], **values):
    """Insert a row unless one with the same ``conflict`` columns exists; its id, or None."""
    return insert_new(table, [values], conflict, returning=["id"]).scalar()


def insert_new(table, rows: list[dict], conflict: list[str] | None = None, returning: list[str] = ()):
    """Insert those of ``rows`` (dicts with the same keys) that no unique index already has
    (``conflict``: the one to look at; None: any), in one statement; its result, with the
    ``returning`` columns of the rows inserted.

    Written as text, kept per shape: SQLAlchemy compiles the dialects' ``ON CONFLICT`` inserts
    and multi-row ``VALUES`` afresh on every execution (they have no cache key), ~9 % of a
    worker's CPU per ended order (bench/finished.py); a text statement is compiled once.
    """
    columns = tuple(rows[0])
    statement = _insert_new_statement(table, columns, len(rows), tuple(conflict or ()), tuple(returning))
    return db.session.execute(statement, {f"{column}_{n}": row[column] for n, row in enumerate(rows)
                                          for column in columns})


@lru_cache(maxsize=512)
def _insert_new_statement(table, columns: tuple[str, ...], rows: int, conflict: tuple[str, ...],
                          returning: tuple[str, ...]):
    def quoted(names):
        return ", ".join(f'"{name}"' for name in names)

    values = ", ".join("(" + ", ".join(f":{column}_{n}" for column in columns) + ")" for n in range(rows))
    sql = (f'INSERT INTO "{table.name}" ({quoted(columns)}) VALUES {values} '
           f"ON CONFLICT {f'({quoted(conflict)}) ' if conflict else ''}DO NOTHING")
    if returning:
        sql += f" RETURNING {quoted(returning)}"
    statement = text(sql).bindparams(*[bindparam(f"{column}_{n}", type_=table.c[column].type)
                                       for n in range(rows) for column in columns])
    return statement.columns(*[table.c[name] for name in returning]) if returning else statement


def insert_select_once(table, columns: list[str], select, conflict: list[str]):
    """``INSERT INTO table (columns) SELECT …`` skipping rows that already exist."""
    stmt = upsert(table).from_select(columns, select).on_conflict_do_nothing(index_elements=conflict)
    return db.session.execute(stmt)
