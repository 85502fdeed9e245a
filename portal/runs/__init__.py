"""Job runs: periodic and long background work, keyed by period, with progress."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.db import db
from portal.runs.models import JobRun

__all__ = [
    "JobRun",
    "claim_run",
    "last_period_key",
    "start",
    "progress",
    "finish",
    "fail",
    "recent_runs",
    "get_run",
]


def claim_run(kind: str, period_key: str, started_by: str | None = None) -> JobRun | None:
    """Create the run for ``(kind, period_key)``; None when it already exists. Commits."""
    run = JobRun(
        kind=kind, period_key=period_key, state="queued", total=0, done=0,
        started_by=started_by, created_at=clock.now(),
    )
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run


def last_period_key(kind: str) -> str | None:
    return db.session.scalar(
        select(JobRun.period_key).where(JobRun.kind == kind).order_by(JobRun.id.desc()).limit(1)
    )


def get_run(run_id: int) -> JobRun | None:
    return db.session.get(JobRun, run_id)


def start(run_id: int, total: int) -> None:
    run = db.session.get(JobRun, run_id)
    run.state, run.total, run.done, run.started_at = "running", total, 0, clock.now()
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
