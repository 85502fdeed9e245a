"""Job runs: periodic and long background work, keyed by period, with progress.

A run is claimed (``queued``) and handed to its job through the outbox, in the claim's own
transaction. The execution that begins it owns it under a lease that it renews while it
works; any other execution of the same run (a message delivered twice, or sent again) leaves
it alone. A run whose lease ran out (its message lost with Redis's data, its process killed)
is dispatched again by the scheduler (``dispatch_stalled``), and the execution that takes it
over goes on from the progress the last one saved.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from flask import current_app
from sqlalchemy import and_, bindparam, case, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.db import db, locked, transaction
from portal.errors import Conflict
from portal.events import publish
from portal.i18n import lazy_gettext as _l
from portal.runs.models import JobRun

__all__ = [
    "JobRun",
    "Execution",
    "LeaseLost",
    "RUN_EVENT",
    "claim_run",
    "request_run",
    "dispatch_stalled",
    "give_up",
    "last_period_key",
    "claimed_periods",
    "begin",
    "executing",
    "recent_runs",
    "get_run",
    "runs_by_id",
    "advance",
    "finish_handed_off",
    "unfinished_runs",
    "is_stalled",
    "requeue",
]

log = logging.getLogger(__name__)

# The event that hands a run to its job (``{"run_id": …, "kind": …}``).
RUN_EVENT = "run.requested"
# Progress is saved every so many steps (and whenever the lease needs renewing).
PROGRESS_EVERY = 20


class LeaseLost(Exception):
    """This execution no longer owns its run: its lease ran out and the run was handed on."""


def lease() -> timedelta:
    return timedelta(seconds=current_app.config["RUN_LEASE_SECONDS"])


def _add_run(kind: str, period_key: str, started_by: str | None) -> JobRun:
    now = clock.now()
    run = JobRun(
        kind=kind, period_key=period_key, state="queued", total=0, done=0,
        started_by=started_by, created_at=now, lease_until=now + lease(),
    )
    db.session.add(run)
    db.session.flush()  # the unique (kind, period) refuses a second run here
    publish(RUN_EVENT, {"run_id": run.id, "kind": kind})
    return run


def claim_run(kind: str, period_key: str, started_by: str | None = None) -> JobRun | None:
    """Create the run for ``(kind, period_key)`` and hand it to its job; None when it
    already exists.

    Commits at once (outside any other transaction): the claim is what other
    schedulers see, and its dispatch is in the same commit, so it cannot be lost.
    """
    try:
        with transaction():
            return _add_run(kind, period_key, started_by)
    except IntegrityError:
        return None


def request_run(kind: str, started_by: str) -> JobRun:
    """Start a ``kind`` run now (a manager's button), keyed by the minute: a double
    click starts one run."""
    try:
        with transaction():
            run = _add_run(kind, clock.now().strftime("%Y-%m-%dT%H:%M"), started_by)
    except IntegrityError:
        raise Conflict(_l("This run has just been started; its progress is below.")) from None
    return run


def _stalled(now: datetime):
    """Queued or running, and nobody has renewed the lease in time (none at all: a run
    from before leases existed)."""
    return and_(JobRun.state.in_(("queued", "running")),
                or_(JobRun.lease_until.is_(None), JobRun.lease_until <= now))


def dispatch_stalled() -> list[JobRun]:
    """Hand again to their jobs the runs whose lease ran out: never started (the message
    was lost) or abandoned mid-way (the process died). The owner is cleared, so whichever
    execution comes next takes the run over and a late step of the old one stops."""
    now = clock.now()
    ids = list(db.session.scalars(select(JobRun.id).where(_stalled(now)).order_by(JobRun.id)))
    again = []
    for run_id in ids:
        with transaction():
            run = locked(JobRun, JobRun.id == run_id, _stalled(now))
            if run is None:  # another scheduler was first, or the execution renewed just now
                continue
            run.owner, run.lease_until = None, now + lease()
            publish(RUN_EVENT, {"run_id": run.id, "kind": run.kind})
            again.append(run)
    return again


def give_up(run_id: int, error: str) -> None:
    """A run nothing can execute (its job no longer exists): failed, not dispatched again."""
    with transaction():
        run = locked(JobRun, JobRun.id == run_id)
        if run is not None and not run.finished:
            run.state, run.error, run.finished_at = "failed", error[:2000], clock.now()
            run.owner = run.lease_until = None


def last_period_key(kind: str) -> str | None:
    """The latest period claimed; keys of one kind sort in time order (2026-W09 < 2026-W10)."""
    return db.session.scalar(
        select(JobRun.period_key).where(JobRun.kind == kind).order_by(JobRun.period_key.desc()).limit(1)
    )


def claimed_periods(kind: str, first_key: str, before_key: str) -> set[str]:
    """The periods of ``kind`` from ``first_key`` up to (not including) ``before_key`` that have a run."""
    return set(db.session.scalars(select(JobRun.period_key).where(
        JobRun.kind == kind, JobRun.period_key >= first_key, JobRun.period_key < before_key)))


def get_run(run_id: int) -> JobRun | None:
    return db.session.get(JobRun, run_id)


@dataclass
class Execution:
    """One execution's hold on a run. ``done`` steps are behind it (a run taken over
    starts where the last execution's saved progress says)."""

    run_id: int
    token: str
    kind: str
    period_key: str
    created_at: datetime
    done: int
    renew_at: datetime
    # The work goes on in other messages that carry the token (a fan-out): ``executing``
    # leaves the run running when the job returns, and one of them finishes it.
    handed_off: bool = False

    def plan(self, total: int, done: int | None = None) -> None:
        """The run has ``total`` steps (for a run taken over: the same steps as before);
        ``done``: so many are behind already (counted afresh by a run taken over)."""
        if done is None:
            self._write(total=total)
        else:
            self.done = done
            self._write(total=total, done=done)

    def hand_off(self) -> None:
        """The steps go on in messages of their own, which renew the lease as they work
        (``advance``) and finish the run (``finish_handed_off``); should they all be lost,
        the lease runs out and the run is taken over as usual."""
        self.handed_off = True

    def progress(self, done: int) -> None:
        """``done`` steps are behind: saved every ``PROGRESS_EVERY`` steps and whenever the
        lease is half spent. Raises ``LeaseLost`` when another execution has the run now."""
        self.done = done
        if done % PROGRESS_EVERY == 0 or clock.now() >= self.renew_at:
            self._write(done=done)

    def finish(self) -> None:
        self._write(state="done", done=JobRun.total, finished_at=clock.now(), owner=None, lease_until=None)

    def fail(self, error: str) -> None:
        db.session.rollback()
        self._write(state="failed", error=error[:2000], finished_at=clock.now(), owner=None, lease_until=None)

    def _write(self, **values) -> None:
        _write_owned(self.run_id, self.token, **values)
        self.renew_at = clock.now() + lease() / 2


def _write_owned(run_id: int, token: str, **values) -> None:
    """Write the run's row if ``token`` still owns it (and renew its lease); else ``LeaseLost``."""
    values.setdefault("lease_until", clock.now() + lease())
    with transaction():
        changed = db.session.execute(
            update(JobRun).where(JobRun.id == run_id, JobRun.owner == token).values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
    if not changed:
        raise LeaseLost(f"run {run_id} was taken over")


def advance(run_id: int, token: str, steps: int) -> None:
    """A handed-off part of the run (see ``Execution.hand_off``) did ``steps`` more steps
    (0: it is about to work): the count moves on, never past the total, in the database (parts
    in several processes add up) and the lease is renewed. ``LeaseLost`` when the run was
    taken over: the part stops, the execution that took over sent parts of its own."""
    done = JobRun.done + steps
    _write_owned(run_id, token, done=case((done > JobRun.total, JobRun.total), else_=done))


def finish_handed_off(run_id: int, token: str) -> bool:
    """The last handed-off part found nothing left: the run is done (False: it was finished
    already, by another part, or taken over)."""
    try:
        _write_owned(run_id, token, state="done", done=JobRun.total, finished_at=clock.now(), owner=None,
                     lease_until=None)
    except LeaseLost:
        return False
    return True


def begin(run_id: int, in_order: bool = False) -> Execution | None:
    """Take the run for this execution; None when it is done or a live execution owns it.

    A queued run, a run whose lease ran out (or was cleared for a take-over), and a failed
    run that Dramatiq retries are taken; their progress is kept. ``in_order``: periods that
    build on the one before (a month carries its debt into the next) wait, queued, until the
    earlier periods' runs have finished; the run before hands the next one on.
    """
    token = secrets.token_hex(16)
    with transaction():
        run = locked(JobRun, JobRun.id == run_id)
        now = clock.now()
        if run is None or run.state == "done":
            return None
        if run.state == "running" and run.owner is not None and run.lease_until and run.lease_until > now:
            return None
        if in_order and db.session.scalar(select(exists().where(
                JobRun.kind == run.kind, JobRun.period_key < run.period_key, JobRun.state.in_(("queued", "running"))))):
            return None
        run.state, run.owner, run.lease_until = "running", token, now + lease()
        run.error = run.finished_at = None
        run.started_at = run.started_at or now
        return Execution(run.id, token, run.kind, run.period_key, run.created_at, run.done, now + lease() / 2)


def _hand_on_next(kind: str, after_key: str) -> None:
    """Dispatch the earliest queued run of ``kind`` after ``after_key`` (it waited for this one)."""
    next_id = db.session.scalar(select(JobRun.id).where(
        JobRun.kind == kind, JobRun.period_key > after_key, JobRun.state == "queued").order_by(JobRun.period_key).limit(1))
    if next_id is None:
        return
    with transaction():
        run = locked(JobRun, JobRun.id == next_id, JobRun.state == "queued")
        if run is not None:
            run.lease_until = clock.now() + lease()
            publish(RUN_EVENT, {"run_id": run.id, "kind": run.kind})


@contextmanager
def executing(run_id: int, in_order: bool = False) -> Iterator[Execution | None]:
    """Wrap a run's work: ``None`` when another execution owns the run (or it is done:
    leave it alone); otherwise the execution, finished at the end, failed if it raises.
    ``in_order``: see ``begin``."""
    execution = begin(run_id, in_order)
    if execution is None:
        log.info("run %s is done or owned by another execution; leaving it", run_id)
        yield None
        return
    try:
        yield execution
    except LeaseLost:
        log.warning("run %s was taken over by another execution; stopping this one", run_id)
        return
    except BaseException as exc:  # Dramatiq's time limit is a BaseException
        try:
            execution.fail(repr(exc))
        except LeaseLost:
            pass
        raise
    if execution.handed_off:  # its parts finish it
        return
    try:
        execution.finish()
    except LeaseLost:  # the execution that took over finishes it
        log.warning("run %s was taken over at its end", run_id)
        return
    if in_order:
        _hand_on_next(execution.kind, execution.period_key)


_RECENT = select(JobRun).order_by(JobRun.id.desc()).limit(bindparam("limit"))  # built once: three pages ask


def recent_runs(limit: int = 20) -> list[JobRun]:
    return list(db.session.scalars(_RECENT, {"limit": limit}))


def runs_by_id(run_ids: list[int | None]) -> list[JobRun]:
    """The given runs in one query (a page listing things that each have a run)."""
    wanted = [i for i in run_ids if i is not None]
    return list(db.session.scalars(select(JobRun).where(JobRun.id.in_(wanted)))) if wanted else []
def unfinished_runs(limit: int = 200) -> list[JobRun]:
    """Runs queued or running, oldest first: what an operator looks at when work seems stuck."""
    return list(db.session.scalars(
        select(JobRun).where(JobRun.state.in_(("queued", "running"))).order_by(JobRun.id).limit(limit)))


def is_stalled(run: JobRun, now: datetime | None = None) -> bool:
    """Nobody has renewed the run's lease in time: its message was lost or its process died."""
    now = now or clock.now()
    return not run.finished and (run.lease_until is None or run.lease_until <= now)


def requeue(run_id: int) -> JobRun:
    """Hand a queued or running run to its job again now (an operator's repair), without
    waiting for its lease to run out. The owner is cleared, so a late step of an execution
    still at work stops (``LeaseLost``) and the next execution resumes from the progress."""
    with transaction():
        run = locked(JobRun, JobRun.id == run_id)
        if run is None:
            raise Conflict(_l("There is no run %(id)s.", id=run_id))
        if run.finished:
            raise Conflict(_l("Run %(id)s has finished; there is nothing to hand on.", id=run_id))
        run.owner, run.lease_until = None, clock.now() + lease()
        publish(RUN_EVENT, {"run_id": run.id, "kind": run.kind})
    return run
