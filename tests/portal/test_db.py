"""``portal.db.locked`` and ``transaction``: a read-then-change operation loses no update when
ten run at once, on SQLite (the write lock, BEGIN IMMEDIATE) as on PostgreSQL (row locks)."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from portal.applicants.models import Application
from portal.db import db, locked, transaction
from tests.conftest import ON_POSTGRES
from tests.portal.applicants import factories as af
from tests.racing import RACERS, failures, race_same


def _applied_times(application_id: int) -> int:
    return db.session.get(Application, application_id).times_applied


def test_ten_read_then_change_operations_through_locked_lose_no_update(app, db):
    application_id = af.application().application.id

    def apply_again():
        db.session.get(Application, application_id)  # read first, as a page or Flask-Login does
        with transaction():
            row = locked(Application, Application.id == application_id)
            row.times_applied += 1

    assert failures(race_same(app, apply_again)) == []
    assert _applied_times(application_id) == 1 + RACERS


def test_locked_reads_the_row_afresh_though_the_session_holds_it(app, db):
    application = af.application().application
    assert application.times_applied == 1
    with db.engine.begin() as other:  # another request changes it meanwhile
        other.execute(update(Application).where(Application.id == application.id).values(times_applied=5))
    with transaction():
        assert locked(Application, Application.id == application.id).times_applied == 5
        assert locked(Application, Application.id == -1) is None


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL locks rows, not the database: operations need locked()")
def test_on_sqlite_every_operation_holds_the_write_lock_from_its_first_read(app, db):
    application_id = af.application().application.id

    def apply_again():
        with transaction():
            row = db.session.get(Application, application_id)  # a plain read, then a change
            row.times_applied += 1

    assert failures(race_same(app, apply_again)) == []
    assert _applied_times(application_id) == 1 + RACERS


@pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL server drops the connections")
def test_connections_the_database_dropped_while_idle_are_replaced_before_a_request_uses_them(app, client, monkeypatch):
    import psycopg

    import portal.db

    with app.app_context():  # fill the pool with a few connections, then give them back
        connections = [db.engine.connect() for _ in range(3)]
        for connection in connections:
            connection.execute(text("SELECT 1"))
        for connection in connections:
            connection.close()
        # The server goes away and comes back: every idle connection of this database is cut.
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as admin:
            cut = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state = 'idle'").fetchone()[0]
        assert cut >= 3
    monkeypatch.setattr(portal.db, "PING_AFTER_IDLE_SECONDS", 0)  # they have been idle long enough
    assert [client.get("/readyz").status_code for _ in range(4)] == [200] * 4


def _fresh_times_applied(app, application_id: int) -> int:
    with db.engine.connect() as other:  # what another request sees: only what was committed
        return other.scalar(text("SELECT times_applied FROM applications WHERE id = :id"), {"id": application_id})


def test_a_page_reads_outside_a_transaction_and_an_operation_it_runs_still_commits_whole(app, db):
    application_id = af.application().application.id
    db.session.close()  # the page's connection is taken inside its request, as in production
    with app.test_request_context("/", method="GET"):
        assert db.session.get(Application, application_id).times_applied == 1
        if ON_POSTGRES:  # no BEGIN was sent for the read: nothing holds a snapshot open
            from psycopg.pq import TransactionStatus
            assert db.session.connection().connection.dbapi_connection.info.transaction_status == TransactionStatus.IDLE
        with pytest.raises(RuntimeError), transaction():
            db.session.execute(update(Application).where(Application.id == application_id).values(times_applied=7))
            raise RuntimeError("the operation fails after its first write")
        assert _fresh_times_applied(app, application_id) == 1
        with transaction():
            locked(Application, Application.id == application_id).times_applied = 2
            if ON_POSTGRES:  # the row lock is held until the operation commits
                with db.engine.connect() as other, pytest.raises(Exception, match="could not obtain lock"):
                    other.execute(text("SELECT id FROM applications WHERE id = :id FOR UPDATE NOWAIT"),
                                  {"id": application_id})
        assert _fresh_times_applied(app, application_id) == 2
        # A page that changes an object without an operation commits nothing.
        db.session.get(Application, application_id).times_applied = 9
        db.session.flush()
    db.session.remove()
    assert _fresh_times_applied(app, application_id) == 2
