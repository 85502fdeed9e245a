"""Migrations build the models' schema from nothing, on SQLite and on PostgreSQL, and undo it.

Each test gets its own empty database (a temporary SQLite file, or a throwaway PostgreSQL
database next to TEST_DATABASE_URL's), never the suite's shared one.
"""

from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url

from portal.config import database_url
from portal.migrate import alembic_config
from portal.models import metadata


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request, tmp_path):
    """An engine on a brand-new, empty database of each kind."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'migrations.sqlite3'}")
        yield engine
        engine.dispose()
        return
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL is not set")
    server = make_url(database_url(os.environ["TEST_DATABASE_URL"]))
    name = f"{server.database}_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses a transaction
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(server.set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(engine: Engine, step, revision: str) -> None:
    """Run ``command.upgrade`` / ``command.downgrade`` on ``engine`` in one transaction."""
    with engine.begin() as conn:
        step(alembic_config(conn), revision)


def schema_drift(engine: Engine) -> list:
    """What autogenerate would write into a new migration: nothing, if the models match."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def revisions_in_order() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions("base", "heads")))]


def test_the_history_has_one_head():
    # Two heads mean two migrations were written against the same parent: chain them.
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"migrations have several heads {heads}; set down_revision to chain them"


def test_upgrade_from_empty_builds_exactly_the_models(empty_database):
    migrate(empty_database, command.upgrade, "head")

    assert tables(empty_database) == set(metadata.tables)
    drift = schema_drift(empty_database)
    assert drift == [], "models and migrations differ; run `flask --app wsgi make-migration`:\n" + \
        "\n".join(map(repr, drift))


def test_every_migration_steps_down_and_up_again(empty_database):
    # The "stairway": each revision's downgrade undoes its upgrade well enough to redo it.
    for revision in revisions_in_order():
        migrate(empty_database, command.upgrade, revision)
        migrate(empty_database, command.downgrade, "-1")
        migrate(empty_database, command.upgrade, revision)

    migrate(empty_database, command.downgrade, "base")
    assert tables(empty_database) == set()

    migrate(empty_database, command.upgrade, "head")
    assert schema_drift(empty_database) == []


def test_photos_stored_before_0013_get_their_difference_hash(empty_database):
    """A worker cannot reuse a photo uploaded before the same-picture check existed."""
    from datetime import datetime

    from sqlalchemy import MetaData, Table

    from portal.images import reencode, same_picture
    from tests import factories

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0013").down_revision
    migrate(empty_database, command.upgrade, before)
    stored = reencode(factories.encoded(factories.picture(seed=3), quality=90))
    with empty_database.begin() as conn:
        # The photo alone: its order and uploader do not matter to the migration.
        conn.execute(text("PRAGMA foreign_keys=OFF") if conn.dialect.name == "sqlite"
                     else text("SET session_replication_role = replica"))
        photos = Table("order_photos", MetaData(), autoload_with=conn)
        conn.execute(photos.insert().values(order_id=1, kind="check_in", sha256="0" * 64, content_type="image/jpeg",
                                            data=stored.data, width=stored.width, height=stored.height,
                                            uploaded_by=1, created_at=datetime(2026, 11, 1)))
    migrate(empty_database, command.upgrade, "head")
    with empty_database.connect() as conn:
        dhash, quarter = conn.execute(text("SELECT dhash, dhash_q1 FROM order_photos")).one()
    again = reencode(factories.encoded(factories.picture(seed=3), quality=40))
    assert same_picture(dhash, again.dhash) and quarter is not None
