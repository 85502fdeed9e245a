"""What an operator does without a browser: unconfirmed events, stuck runs, a billing period now.

``flask --app wsgi events list|resend``, ``runs list|requeue``, ``run-billing weekly|monthly``.
Each repair is logged with the operations page's repairs (by "command line").
"""

from __future__ import annotations

import re

import click
from flask import Flask

from portal import clock, operations, runs
from portal.errors import DomainError

PERIOD_FORMS = {"weekly": re.compile(r"^\d{4}-W\d{2}$"), "monthly": re.compile(r"^\d{4}-\d{2}$")}


def _age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def init_app(app: Flask) -> None:
    @app.cli.group("events")
    def events_group() -> None:
        """Unconfirmed events (the outbox): list them, re-send them."""

    @events_group.command("list")
    def list_events() -> None:
        """Unconfirmed events by name: how many, the oldest's age, the consumers that lag."""
        lags = operations.outbox_lag()
        if not lags:
            click.echo("every event is confirmed")
            return
        now = clock.now()
        for lag in lags:
            waiting = ", ".join(f"{c} ({n})" for c, n in lag.waiting_for) or "-"
            click.echo(f"{lag.name}\t{lag.count} unconfirmed\toldest {_age(lag.age(now).total_seconds())}\t"
                       f"waiting for: {waiting}")

    @events_group.command("resend")
    @click.argument("name", required=False)
    def resend_events(name: str | None) -> None:
        """Re-send now the unconfirmed events named NAME (every unconfirmed event without NAME)."""
        names = [name] if name else [lag.name for lag in operations.outbox_lag()]
        backend = operations.backend()
        total = 0
        for event_name in names:
            n = backend.resend(event_name)
            if n:
                operations.record("resend_events", {"event": event_name}, n, None)
            click.echo(f"{event_name}: {n} re-sent")
            total += n
        if _in_process():
            click.echo("note: no worker runs in this process (no REDIS_URL); the embedded server's sweep "
                       "delivers them", err=True)
        click.echo(f"{total} events re-sent")

    @app.cli.group("runs")
    def runs_group() -> None:
        """Background runs (billing, on-demand work): list the unfinished ones, re-queue one."""

    @runs_group.command("list")
    def list_runs() -> None:
        """Runs queued or running, oldest first; "stalled" when nobody renews their lease."""
        unfinished = runs.unfinished_runs()
        if not unfinished:
            click.echo("no run is queued or running")
            return
        now = clock.now()
        for run in unfinished:
            stalled = "stalled" if runs.is_stalled(run, now) else "on time"
            click.echo(f"{run.id}\t{run.kind}\t{run.period_key}\t{run.state}\t{run.done}/{run.total}\t{stalled}\t"
                       f"queued {_age((now - run.created_at).total_seconds())} ago")

    @runs_group.command("requeue")
    @click.argument("run_id", type=click.IntRange(1))
    def requeue_run(run_id: int) -> None:
        """Hand run RUN_ID to its job again now; it resumes from its saved progress."""
        try:
            run = runs.requeue(run_id)
        except DomainError as exc:
            raise click.ClickException(str(exc.message)) from exc
        click.echo(f"run {run.id} ({run.kind} {run.period_key}) handed to its job again")

    @app.cli.command("run-billing")
    @click.argument("cadence", type=click.Choice(["weekly", "monthly"]))
    @click.argument("period", required=False)
    def run_billing(cadence: str, period: str | None) -> None:
        """Run weekly invoicing or monthly payouts for PERIOD (2026-W48, 2026-11) now; without
        PERIOD, the latest period that has closed. A period runs once: a second time is refused."""
        from jobs import billing
        from jobs.schedule import run_now

        kind, periods = ((billing.WEEKLY_RUN, billing.weekly()) if cadence == "weekly"
                         else (billing.MONTHLY_RUN, billing.monthly()))
        now = clock.now()
        period = period or periods.latest_due(now)
        if not PERIOD_FORMS[cadence].match(period) or periods.next_key(periods.previous_key(period)) != period:
            example = "2026-W48" if cadence == "weekly" else "2026-11"
            raise click.ClickException(f"{period!r} is not a {cadence} period (like {example})")
        if periods.due_at(period) > now:
            raise click.ClickException(f"{period} has not closed yet (it closes {periods.due_at(period):%Y-%m-%d %H:%M} UTC)")
        if _in_process():
            # No worker reads this process's queue: run it here, in this process.
            if not run_now(kind, period):
                raise click.ClickException(_already(kind, period))
            click.echo(f"{kind} {period} done")
            return
        run = runs.claim_run(kind, period, started_by="command line")
        if run is None:
            raise click.ClickException(_already(kind, period))
        click.echo(f"{kind} {period} handed to the workers as run {run.id} (`flask --app wsgi runs list` follows it)")


def _already(kind: str, period: str) -> str:
    from sqlalchemy import select

    from portal.db import db

    run = db.session.scalar(select(runs.JobRun).where(runs.JobRun.kind == kind, runs.JobRun.period_key == period))
    hint = "" if run is None or run.finished else f"; if it is stuck: flask --app wsgi runs requeue {run.id}"
    state = "" if run is None else f" (run {run.id}, {run.state})"
    return f"{kind} {period} has run already{state}{hint}"


def _in_process() -> bool:
    from jobs.broker import is_in_process

    return is_in_process()
