"""Job runs: periodic and long background work, keyed by period, with progress."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.db import db, transaction
from portal.errors import Conflict
from portal.events import publish
from portal.runs.models import JobRun

__all__ = [
    "JobRun",
    "claim_run",
    "request_run",
    "release_run",
    "last_period_key",
    "tracking",
    "start",
    "progress",
    "finish",
    "fail",
    "recent_runs",
    "get_run",
]


def _add_run(kind: str, period_key: str, started_by: str | None) -> JobRun:
    run = JobRun(
        kind=kind, period_key=period_key, state="queued", total=0, done=0,
        started_by=started_by, created_at=clock.now(),
    )
    db.session.add(run)
    db.session.flush()  # the unique (kind, period) refuses a second run here
    return run


def claim_run(kind: str, period_key: str, started_by: str | None = None) -> JobRun | None:
    """Create the run for ``(kind, period_key)``; None when it already exists.

    Commits at once (outside any other transaction): the claim is what other
    schedulers see.
    """
    try:
        with transaction():
            return _add_run(kind, period_key, started_by)
    except IntegrityError:
        return None


def request_run(kind: str, started_by: str) -> JobRun:
    """Start a ``kind`` run now (a manager's button), keyed by the minute: a double
    click starts one run. The ``run.requested`` event hands it to its job."""
    try:
        with transaction():
            run = _add_run(kind, clock.now().strftime("%Y-%m-%dT%H:%M"), started_by)
            publish("run.requested", {"run_id": run.id, "kind": kind})
    except IntegrityError:
        raise Conflict(_l("This run has just been started; its progress is below.")) from None
    return run


def release_run(run_id: int) -> None:
    """Forget a claimed run that never started (its job could not be sent), so that
    its period is claimed again rather than skipped."""
    with transaction():
        db.session.execute(delete(JobRun).where(JobRun.id == run_id, JobRun.state == "queued"))


def last_period_key(kind: str) -> str | None:
    """The latest period claimed; keys of one kind sort in time order (2026-W09 < 2026-W10)."""
    return db.session.scalar(
        select(JobRun.period_key).where(JobRun.kind == kind).order_by(JobRun.period_key.desc()).limit(1)
    )


def get_run(run_id: int) -> JobRun | None:
    return db.session.get(JobRun, run_id)


@contextmanager
def tracking(run_id: int, total: int) -> Iterator[None]:
    """Wrap a run's work: running with ``total`` steps, then done; failed if it raises."""
    start(run_id, total)
    try:
        yield
    except BaseException as exc:  # Dramatiq's time limit is a BaseException
        fail(run_id, repr(exc))
        raise
    finish(run_id)


def start(run_id: int, total: int) -> None:
    run = db.session.get(JobRun, run_id)
    run.state, run.total, run.done, run.started_at = "running", total, 0, clock.now()
    run.error = run.finished_at = None  # a retry starts afresh
    db.session.commit()


def progress(run_id: int, done: int) -> None:
    run = db.session.get(JobRun, run_id)
    run.done = done
    db.session.commit()


def finish(run_id: int) -> None:
    run = db.session.get(JobRun, run_id)
    run.state, run.done, run.finished_at = "done", run.total, clock.now()
    db.session.commit()


def fail(run_id: int, error: str) -> None:
    db.session.rollback()
    run = db.session.get(JobRun, run_id)
    run.state, run.error, run.finished_at = "failed", error[:2000], clock.now()
    db.session.commit()


def recent_runs(limit: int = 20) -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))
