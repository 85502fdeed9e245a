"""Wait on a condition with a timeout, never a bare sleep."""

from __future__ import annotations

import time


def wait_for(condition, timeout: float = 10.0, interval: float = 0.02, message: str = "condition"):
    """Poll ``condition()`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def wait_for_a_lock_wait(message: str = "a connection waiting on a row lock") -> None:
    """PostgreSQL: wait until some connection of the test database waits on a lock, so a test
    releases the holder only once the other side really is blocked behind it."""
    from sqlalchemy import text

    from portal.db import db

    wait_for(lambda: db.session.scalar(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")),
        message=message)
