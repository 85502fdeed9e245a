"""``INSERT … ON CONFLICT DO NOTHING`` on either database: the unique index decides, not a
read before the write, so two racing writers leave one row."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from portal.db import db


def upsert(table):
    """The database's own ``INSERT`` (with ``on_conflict_do_nothing``), on either database."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def insert_once(table, conflict: list[str], **values):
    """Insert a row unless one with the same ``conflict`` columns exists; its id, or None."""
    stmt = (upsert(table).values(**values)
            .on_conflict_do_nothing(index_elements=conflict).returning(table.c.id))
    return db.session.execute(stmt).scalar()


def insert_select_once(table, columns: list[str], select, conflict: list[str]):
    """``INSERT INTO table (columns) SELECT …`` skipping rows that already exist."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).from_select(columns, select).on_conflict_do_nothing(index_elements=conflict)
    return db.session.execute(stmt)
