"""Migrations build the models' schema from nothing, on SQLite and on PostgreSQL, and undo it.

Each test gets its own empty database (a temporary SQLite file, or a throwaway PostgreSQL
database next to TEST_DATABASE_URL's), never the suite's shared one.
"""

from __future__ import annotations

import json
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


def test_0012_turns_the_saved_sentences_of_application_notes_into_codes_and_back(empty_database):
    migrate(empty_database, command.upgrade, "0007_bets_quality")
    saved = ["Application received.", "Повторная заявка (всего заявок: 3); данные обновлены.",
             "Test taken: 7 of 10 points (70%).", "Кандидату отказано: мало опыта", "Called on Monday."]
    with empty_database.begin() as conn:
        conn.execute(text("INSERT INTO service_types (id, code, name_en, name_ru, description_en, description_ru, "
                          "base_price_cents, active, created_at) VALUES "
                          "(1, 'chore', 'Chore', 'Дело', '', '', 100, true, '2026-11-30 10:00:00')"))
        conn.execute(text("INSERT INTO applications (id, email, name, age, breed, fur_colour, about, "
                          "service_type_id, language, stage, status_token_hash, times_applied, strengths, "
                          "weaknesses, reject_reason, created_at, stage_changed_at) VALUES "
                          "(1, 'a@example.test', 'A', 3, 'Tabby', 'grey', '', 1, 'en', 'new', 'x', 1, '[]', '[]', "
                          "'', '2026-11-30 10:00:00', '2026-11-30 10:00:00')"))
        for i, note in enumerate(saved, 1):
            conn.execute(text("INSERT INTO application_notes (id, application_id, text, created_at) "
                              "VALUES (:id, 1, :text, '2026-11-30 10:00:00')"), {"id": i, "text": note})

    migrate(empty_database, command.upgrade, "0012_note_codes")
    with empty_database.connect() as conn:
        rows = conn.execute(text("SELECT code, params, text FROM application_notes ORDER BY id")).all()
    coded = [(code, json.loads(params) if isinstance(params, str) else params, text_) for code, params, text_ in rows]
    assert coded == [
        ("received", {}, ""), ("applied_again", {"num": 3}, ""),
        ("test_taken", {"score": 7, "num": 10, "percent": 70}, ""),
        ("rejected_because", {"reason": "мало опыта"}, ""),
        (None, None, "Called on Monday."),  # a manager's own words stay as written
    ]

    migrate(empty_database, command.downgrade, "0007_bets_quality")
    with empty_database.connect() as conn:
        texts = conn.execute(text("SELECT text FROM application_notes ORDER BY id")).scalars().all()
    assert texts == ["Application received.", "Applied again (3 times); the details are updated.",
                     "Test taken: 7 of 10 points (70%).", "Rejected: мало опыта", "Called on Monday."]


def test_photos_stored_before_0013_get_their_difference_hash(empty_database):
    """A worker cannot reuse a photo uploaded before the same-picture check existed."""
    from datetime import datetime

    from sqlalchemy import MetaData, Table

    from portal.images import reencode, same_picture
    from tests import factories

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0013_photo_fingerprints").down_revision
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
