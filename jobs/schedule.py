"""What runs when — declared once. Runs in-process (embedded) or as one scheduler process.

A small loop of our own rather than periodiq or APScheduler: the work that matters is
keyed by its period in the database (``job_runs``), so the loop only has to notice which
periods are due and claim them; a unique key makes a repeated or late run harmless, and
after downtime every missed period is claimed in order. Neither library gives that.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from jobs.context import walking
from jobs.events import consumer
from portal import clock, events, matching, operations, runs
from portal.timezones import Periods

log = logging.getLogger(__name__)

# The oldest periods the scheduler will still catch up after downtime.
MAX_CATCH_UP = 400


class Cadence(Periods):
    """Periods with string keys on the UTC calendar (housekeeping); ``due_at(key)`` is when that
    period's run may start. Billing weeks and months are the portal's own ``Periods``, in its
    business zone (``client_billing.BILLING_WEEKS``, ``worker_billing.PAYOUT_MONTHS``)."""


@dataclass(frozen=True)
class Daily(Cadence):
    hour: int = 0

    def key_at(self, moment):
        return moment.date().isoformat()

    def next_key(self, key):
        return (date.fromisoformat(key) + timedelta(days=1)).isoformat()

    def previous_key(self, key):
        return (date.fromisoformat(key) - timedelta(days=1)).isoformat()

    def due_at(self, key):
        d = date.fromisoformat(key)
        return datetime(d.year, d.month, d.day, self.hour, tzinfo=clock.now().tzinfo)


@dataclass(frozen=True)
class Weekly(Cadence):
    """ISO weeks (Monday–Sunday) keyed ``2026-W48``; due on ``weekday`` (6 = Sunday) at ``hour``."""

    weekday: int = 6
    hour: int = 0

    def key_at(self, moment):
        y, w, _ = moment.isocalendar()
        return f"{y}-W{w:02d}"

    def _monday(self, key):
        y, w = key.split("-W")
        return date.fromisocalendar(int(y), int(w), 1)

    def next_key(self, key):
        return self.key_at(datetime.combine(self._monday(key) + timedelta(days=7), datetime.min.time()))

    def previous_key(self, key):
        return self.key_at(datetime.combine(self._monday(key) - timedelta(days=7), datetime.min.time()))

    def due_at(self, key):
        d = self._monday(key) + timedelta(days=self.weekday)
        return datetime(d.year, d.month, d.day, self.hour, tzinfo=clock.now().tzinfo)


@dataclass(frozen=True)
class MonthEnd(Cadence):
    """Calendar months keyed ``2026-11``; due on the month's last day at ``hour``."""

    hour: int = 0

    def key_at(self, moment):
        return f"{moment.year}-{moment.month:02d}"

    def _ym(self, key):
        y, m = key.split("-")
        return int(y), int(m)

    def next_key(self, key):
        y, m = self._ym(key)
        return f"{y + m // 12}-{m % 12 + 1:02d}"

    def previous_key(self, key):
        y, m = self._ym(key)
        return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"

    def due_at(self, key):
        y, m = self._ym(self.next_key(key))
        last = date(y, m, 1) - timedelta(days=1)
        return datetime(last.year, last.month, last.day, self.hour, tzinfo=clock.now().tzinfo)


@dataclass
class Every:
    """Frequent housekeeping that is safe to run twice (not keyed)."""

    seconds: int


@dataclass
class Periodic:
    name: str
    when: Cadence | Every
    send: Callable[..., object]  # an actor's .send; keyed runs get the run id
    # Keyed jobs: the oldest period that still has work to do (None: none). Periods from there
    # that were never claimed are claimed too, so no period is skipped (BI-7).
    backlog: Callable[[], str | None] | None = None
    _last: datetime | None = field(default=None, repr=False)


def periodic_jobs() -> list[Periodic]:
    """The whole schedule."""
    from jobs.applicants import hourly_digest
    from jobs import billing
    from jobs.orders import retry_matching, sweep_no_shows
    from jobs.people import purge_sessions
    from jobs.quality import sample_completed_orders
    from jobs.relay import sweep_outbox
    from jobs.warehouse import chase_cookies

    return [
        Periodic("outbox.sweep", Every(seconds=10), sweep_outbox.send),
        # Safe to run twice: each application is claimed for one digest.
        Periodic("applicants.hourly_digest", Every(seconds=3600), hourly_digest.send),
        Periodic("people.purge_sessions", Daily(hour=3), purge_sessions.send),
        # Both are safe to run twice: each order changes under its own row lock.
        Periodic("orders.retry_matching", Every(seconds=180), retry_matching.send),
        Periodic("orders.no_shows", Every(seconds=60), sweep_no_shows.send),
        # Safe to run twice: each completed order is drawn once, under its row lock.
        Periodic("quality.sampling", Every(seconds=300), sample_completed_orders.send),
        # Keyed by week and month: each period runs once, missed ones are caught up in order.
        Periodic(billing.WEEKLY_RUN, billing.weekly(), billing.weekly_invoices.send,
                 backlog=billing.oldest_uninvoiced_week),
        Periodic(billing.MONTHLY_RUN, billing.monthly(), billing.monthly_payouts.send,
                 backlog=billing.oldest_unpaid_month),
        # Safe to run twice: each invoice or payout is locked, and a try reuses its key.
        Periodic("billing.retries", Every(seconds=300), billing.retry_payments.send),
        # Safe to run twice: each cookie changes under its kit's row lock.
        Periodic("warehouse.chase_cookies", Every(seconds=60), chase_cookies.send),
    ]


# Keyed jobs this process has scheduled, by name: the ``run.requested`` consumer finds a
# job's ``send`` here (or in the declared schedule, in a worker process of its own).
_scheduled: dict[str, Callable[[int], object]] = {}


def run_due(jobs: list[Periodic], now: datetime | None = None) -> list[tuple[str, str | None]]:
    """Start whatever is due at ``now``, and hand on again the runs whose lease ran out;
    returns the (job, period) pairs started (claimed) now."""
    now = now or clock.now()
    started: list[tuple[str, str | None]] = []
    for job in jobs:
        if isinstance(job.when, Every):
            if job._last is None or (now - job._last).total_seconds() >= job.when.seconds:
                job._last = now
                job.send()
                started.append((job.name, None))
            continue
        _scheduled[job.name] = job.send
        for key in _missing_periods(job, now):
            # The claim and its dispatch (an outbox event) commit together: a broker that is
            # down or loses its data delays the run until its lease runs out, never skips it.
            if runs.claim_run(job.name, key, started_by="scheduler") is not None:
                started.append((job.name, key))
    for run in runs.dispatch_stalled():
        log.warning("run %s %s %s was not finished in its lease: handed on again", run.id, run.kind, run.period_key)
    return started


def _missing_periods(job: Periodic, now: datetime) -> list[str]:
    cadence = job.when
    latest = cadence.latest_due(now)
    last = runs.last_period_key(job.name)
    keys, key = [], latest if last is None else cadence.next_key(last)
    while cadence.due_at(key) <= now and len(keys) < MAX_CATCH_UP:
        keys.append(key)
        key = cadence.next_key(key)
    if job.backlog and keys:
        # Older work whose period was never claimed: a job's very first run (a new deployment,
        # a scheduler never started), or a week a first run skipped before issue 11. Asked only
        # when a period falls due, not on every tick: it reads the work tables.
        oldest = job.backlog()
        if oldest is not None and oldest < keys[0]:
            claimed = runs.claimed_periods(job.name, oldest, keys[0])
            older, key = [], oldest
            while key < keys[0] and len(older) < MAX_CATCH_UP:
                if key not in claimed:
                    older.append(key)
                key = cadence.next_key(key)
            keys = older + keys
    return keys


def on_demand_jobs() -> dict[str, Callable[[int], object]]:
    """Runs a manager may start now from the runs page (``portal.runs.request_run``)."""
    from jobs import billing
    from jobs.matching import replay_matching
    from jobs.relay import resend_unconfirmed

    return {
        events.RESEND_RUN: resend_unconfirmed.send,
        # The latest due week or month: whatever the scheduler has not done yet, never twice.
        billing.WEEKLY_NOW: billing.weekly_invoices.send,
        billing.MONTHLY_NOW: billing.monthly_payouts.send,
        matching.REPLAY_RUN: replay_matching.send,  # a manager's replay of past orders
    }


def _senders() -> dict[str, Callable[[int], object]]:
    keyed = {job.name: job.send for job in periodic_jobs() if not isinstance(job.when, Every)}
    return {**keyed, **on_demand_jobs(), **_scheduled}


@consumer(runs.RUN_EVENT)
def start_requested_run(payload: dict, event_id: str) -> None:
    """A run was claimed (by the scheduler or a manager) or handed on again: send it to its job."""
    send = _senders().get(payload["kind"])
    if send is None:
        log.error("no job runs %s (run %s)", payload["kind"], payload["run_id"])
        runs.give_up(payload["run_id"], f"no job runs {payload['kind']}")
        return
    send(payload["run_id"])


def run_forever(app, stop: threading.Event, tick_seconds: float = 5.0) -> None:
    """The scheduler loop: one per deployment."""
    jobs = periodic_jobs()
    log.info("scheduler started: %s", ", ".join(j.name for j in jobs))
    while not stop.is_set():
        with app.app_context():
            try:
                run_due(jobs)
                operations.beat(operations.SCHEDULER)  # the operations page's "last tick"
            except Exception:  # noqa: BLE001 - keep the schedule alive; the next tick retries
                log.exception("scheduler tick failed")
        stop.wait(tick_seconds)


def due_between(since: datetime, until: datetime) -> list[tuple[datetime, str, str]]:
    """``(due_at, job, period)`` of every keyed run due in (``since``, ``until``], oldest
    first: what the scheduler would start if the clock passed through that time (the demo's
    jump runs them on its way and says so before it acts)."""
    due = []
    for job in periodic_jobs():
        if isinstance(job.when, Every):
            continue
        key = job.when.previous_key(job.when.key_at(since))
        while job.when.due_at(key) <= until:
            if job.when.due_at(key) > since:
                due.append((job.when.due_at(key), job.name, key))
            key = job.when.next_key(key)
    return sorted(due)


def run_now(job_name: str, period_key: str) -> bool:
    """Claim one keyed period and run its job here, in this thread (the demo's walk through
    time); False when that period was claimed already, by the scheduler or earlier."""
    job = next(j for j in periodic_jobs() if j.name == job_name)
    run = runs.claim_run(job_name, period_key, started_by="demo")
    if run is None:
        return False
    with walking():  # and what it would fan out to messages, here too
        job.send.__self__.fn(run.id)  # the actor's own function, without the broker
    return True
