"""Racing clicks for tests: the same (or different) calls in real threads, released together.

Each call runs in its own thread with its own app context, so its own database session and
connection, as two requests of two browsers would (row locks on PostgreSQL, the write lock on
SQLite). ORM objects never cross threads: pass ids in, and load rows inside the call.
"""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from portal.db import db
from portal.errors import DomainError
from portal.events import OutboxEvent
from portal.notifications import Email
from tests import factories

RACERS = 10


def race(app, *calls, timeout: float = 60.0) -> list:
    """Run each call in its own thread and app context, all released at once by a barrier.

    Returns what each call returned, or the exception it raised, in the order of ``calls``.
    What the test set up is committed first (the racers' connections see it, and the test's
    own connection holds no lock they would wait on); afterwards the test's session reads afresh.
    """
    db.session.commit()
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        with app.app_context():
            try:
                barrier.wait()
                results[i] = call()
            except Exception as exc:  # noqa: BLE001 - the test looks at every outcome
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = sum(thread.is_alive() for thread in threads)
    assert not stuck, f"{stuck} racing call(s) still running after {timeout} s"
    db.session.expire_all()
    return results


def race_same(app, call, times: int = RACERS, timeout: float = 60.0) -> list:
    """``times`` copies of one click racing each other."""
    return race(app, *[call] * times, timeout=timeout)


def browsers(app, signed_in, times: int = RACERS) -> list:
    """``times`` test clients carrying the cookies of ``signed_in``: one person's tabs.

    One client must not be shared by threads (its cookie jar is not thread-safe).
    """
    tabs = []
    for _ in range(times):
        tab = app.test_client()
        for cookie in signed_in._cookies.values():  # Werkzeug's jar has no public copy
            tab.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
        tabs.append(tab)
    return tabs


def user(user_id: int):
    """The account in the calling thread's own session."""
    return db.session.get(factories.User, user_id)


def failures(results) -> list:
    """The results that are exceptions other than a domain refusal (a racing click's normal answer)."""
    return [r for r in results if isinstance(r, BaseException) and not isinstance(r, DomainError)]


def winners(results) -> list:
    """The results that are not exceptions."""
    return [r for r in results if not isinstance(r, BaseException)]


def events(name: str, **about) -> int:
    """How many outbox events ``name`` were published whose payload has ``about``'s values."""
    return sum(1 for payload in db.session.scalars(select(OutboxEvent.payload).where(OutboxEvent.name == name))
               if all(payload.get(key) == value for key, value in about.items()))


def emails(template: str, to: str | None = None) -> int:
    """How many emails of ``template`` were queued (to ``to``, if given)."""
    query = select(func.count()).select_from(Email).where(Email.template == template)
    return db.session.scalar(query.where(Email.to == to) if to else query)
