"""Alembic environment: the portal's models and its configured database."""

from __future__ import annotations

from alembic import context
from flask import current_app
from sqlalchemy.engine import Connection

from portal.models import metadata

config = context.config


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or current_app.config["SQLALCHEMY_DATABASE_URI"]


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """On the Connection (or Engine) the caller handed over, else on the app's engine."""
    connectable = config.attributes.get("connection")
    if isinstance(connectable, Connection):
        # Alembic joins a transaction the caller has open, or runs its own and commits it.
        _run(connectable)
        return
    if connectable is None:
        from portal.db import db

        connectable = db.engine
    with connectable.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    # Batch mode lets ALTER TABLE work on SQLite too.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
