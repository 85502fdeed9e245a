"""Billing jobs: charges and earnings on ``order.finished``, the weekly invoicing and
monthly payout runs, and the retries of payments and payouts."""

from __future__ import annotations

import logging

import dramatiq
from flask import current_app

from jobs.context import in_walk
from jobs.events import consumer
from portal import client_billing, clock, runs, worker_billing

log = logging.getLogger(__name__)

WEEKLY_RUN = "billing.weekly_invoices"
MONTHLY_RUN = "billing.monthly_payouts"
# A manager's "run now": the latest due period (nothing is written twice) and the due retries.
WEEKLY_NOW = "billing.weekly_invoices_now"
MONTHLY_NOW = "billing.monthly_payouts_now"


def weekly():
    """Invoices are issued and charged at the week's cut-off (Sunday 20:00, business time)
    for the charges made before."""
    return client_billing.BILLING_WEEKS


def monthly():
    """Payouts at the month's cut-off (its last day, 20:00 business time)."""
    return worker_billing.PAYOUT_MONTHS


@consumer("order.finished")
def charge_client(payload: dict, event_id: str) -> None:
    """BI-1: a completed or cancelled order is charged to its client."""
    client_billing.charge_order(payload)


@consumer("order.finished")
def pay_worker(payload: dict, event_id: str) -> None:
    """BI-4: a completed order earns the worker 60 %, a failed one costs a 40 CU fine."""
    worker_billing.record_order(payload)


def _period(run: runs.Execution, cadence, scheduled_kind: str) -> str:
    return run.period_key if run.kind == scheduled_kind else cadence.latest_due(clock.now())


def _each(run: runs.Execution, ids: list[int], step) -> None:
    """``step`` each id, from where the run's progress stands (a run taken over after its
    process died goes on there; the few steps done after the last saved progress are done
    again, and each step does nothing the second time)."""
    run.plan(len(ids))
    for done, item_id in enumerate(ids[run.done:], run.done + 1):
        step(item_id)
        run.progress(done)


@dramatiq.actor(queue_name="schedule", max_retries=3, time_limit=3_600_000)
def weekly_invoices(run_id: int) -> None:
    """BI-3: one invoice per client for the week's charges, each charged at once.

    The invoices are issued set-based here; the charging fans out to
    ``BILLING_CHARGE_CONCURRENCY`` lanes (``charge_invoices``), which count the settled
    invoices on the run and finish it when none is left. A run taken over (its lease ran out:
    a worker died, its messages were lost, or only answers still unknown are left) sends new
    lanes for what is unsettled; the old ones stop at their next step."""
    with runs.executing(run_id) as run:
        if run is None:  # done, or another execution has it
            return
        cadence = weekly()
        week = _period(run, cadence, WEEKLY_RUN)
        issued = client_billing.issue_weekly_invoices(week, cutoff=cadence.due_at(week))
        log.info("weekly invoicing %s: %d invoices issued", week, len(issued))
        # Every invoice of the week, not only this call's: a run taken over charges the ones
        # its dead predecessor issued but did not reach (each is charged once).
        settled, total = client_billing.week_progress(week)
        run.plan(total, done=settled)
        if settled == total:
            return
        # No more lanes than chunks of work: a small week costs a message or two, not eight.
        chunks = -(-(total - settled) // current_app.config["BILLING_CHARGE_CHUNK"])
        lanes = max(1, min(current_app.config["BILLING_CHARGE_CONCURRENCY"], chunks))
        run.hand_off()
        if in_walk():  # the demo's walk: charged now, at the cut-off its clock stands at
            _charge_here(run.run_id, run.token, week)
            return
        for lane in range(lanes):
            charge_invoices.send(run.run_id, run.token, week, lanes, lane)


def _charge_here(run_id: int, token: str, week: str) -> None:
    """Every unsettled invoice of the week charged in this thread, chunk after chunk, as one
    lane would; an answer still unknown is left to the run's takeover, as a lane leaves it."""
    chunk, after = current_app.config["BILLING_CHARGE_CHUNK"], 0
    while ids := client_billing.unsettled_invoices(week, 1, 0, after, chunk):
        runs.advance(run_id, token, client_billing.charge_new_invoices(ids))
        after = ids[-1]
    if client_billing.week_settled(week):
        runs.finish_handed_off(run_id, token)


# A lane whose pass left answers unknown asks again by their keys this many times (every
# BILLING_LOST_ANSWER_SECONDS) before it leaves them to the run's takeover, a lease later. With
# 2.5 % of calls lost before they reach the sandbox, three rounds left an invoice to the
# takeover in ~4 % of 100 000-invoice runs (it happened in one of two: 60 s of 12.8 minutes);
# six, in ~1 run in a million, and a provider that is down is asked for 30 s, not 15.
LOST_ANSWER_ROUNDS = 6


@dramatiq.actor(queue_name="billing", max_retries=20)
def charge_invoices(run_id: int, token: str, week: str, lanes: int, lane: int, after: int = 0,
                    round: int = 0) -> None:
    """One lane of a weekly run: charge its next chunk of unsettled invoices, then send itself
    on for the next one (one message in flight per lane: the lanes bound the concurrency across
    every worker process). At the end of its pass, a lane with answers still unknown asks about
    them again shortly (``round``); the lane that finds the week settled finishes the run."""
    config = current_app.config
    try:
        runs.advance(run_id, token, 0)  # still this execution's run (else: taken over, stop)
        ids = client_billing.unsettled_invoices(week, lanes, lane, after, config["BILLING_CHARGE_CHUNK"])
        if ids:
            runs.advance(run_id, token, client_billing.charge_new_invoices(ids))
            charge_invoices.send(run_id, token, week, lanes, lane, ids[-1], round)
        elif client_billing.week_settled(week):
            runs.finish_handed_off(run_id, token)
        elif round < LOST_ANSWER_ROUNDS and client_billing.unsettled_invoices(week, lanes, lane, limit=1):
            charge_invoices.send_with_options(args=(run_id, token, week, lanes, lane, 0, round + 1),
                                              delay=int(config["BILLING_LOST_ANSWER_SECONDS"] * 1000))
        # else: other lanes are still at work, or answers are still unknown after the rounds:
        # the run's lease runs out once no lane renews it, and the run taken over asks again.
    except runs.LeaseLost:
        log.info("weekly run %s was taken over; lane %d of %d stops", run_id, lane, lanes)


@dramatiq.actor(queue_name="schedule", max_retries=3, time_limit=3_600_000)
def monthly_payouts(run_id: int) -> None:
    """BI-6: one payout per worker for the month, paid through the golden hat."""
    # In order: a month takes the lines (and the debt) its earlier months have not.
    with runs.executing(run_id, in_order=True) as run:
        if run is None:  # done, or another execution has it
            return
        cadence = monthly()
        month = _period(run, cadence, MONTHLY_RUN)
        created = worker_billing.create_payouts(month, cadence.previous_key(month), cutoff=cadence.due_at(month))
        _each(run, worker_billing.month_payouts(month), worker_billing.pay_new_payout)
        log.info("monthly payouts %s: %d payouts", month, len(created))


def oldest_uninvoiced_week() -> str | None:
    """Where the weekly run's first catch-up starts: the oldest week with charges not invoiced."""
    return client_billing.oldest_uninvoiced_week()


def oldest_unpaid_month() -> str | None:
    """Where the monthly run's first catch-up starts: the month of the oldest line not paid out."""
    booked_at = worker_billing.oldest_unpaid_line_at()
    return None if booked_at is None else worker_billing.payout_month(booked_at)


@dramatiq.actor(queue_name="schedule", max_retries=0)
def retry_payments() -> None:
    """Payments and payouts whose next try is due (failed yesterday, or the answer was lost)."""
    for invoice_id in client_billing.retries_due():
        client_billing.pay_invoice(invoice_id)
    for payout_id in worker_billing.retries_due():
        worker_billing.pay_payout(payout_id)
