"""Billing jobs: charges and earnings on ``order.finished``, the weekly invoicing and
monthly payout runs, and the retries of payments and payouts."""

from __future__ import annotations

import logging

import dramatiq

from jobs.events import consumer
from portal import client_billing, clock, runs, worker_billing

log = logging.getLogger(__name__)

WEEKLY_RUN = "billing.weekly_invoices"
MONTHLY_RUN = "billing.monthly_payouts"
# A manager's "run now": the latest due period (nothing is written twice) and the due retries.
WEEKLY_NOW = "billing.weekly_invoices_now"
MONTHLY_NOW = "billing.monthly_payouts_now"
PROGRESS_EVERY = 20


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


def _period(run_id: int, cadence, scheduled_kind: str) -> str:
    run = runs.get_run(run_id)
    return run.period_key if run.kind == scheduled_kind else cadence.latest_due(clock.now())


def _each(run_id: int, ids: list[int], step) -> None:
    with runs.tracking(run_id, total=len(ids)):
        for done, item_id in enumerate(ids, 1):
            step(item_id)
            if done % PROGRESS_EVERY == 0:
                runs.progress(run_id, done)


def _invoice_and_charge(invoice_id: int) -> None:
    client_billing.issued(invoice_id)
    client_billing.pay_invoice(invoice_id)


@dramatiq.actor(queue_name="schedule", max_retries=3, time_limit=3_600_000)
def weekly_invoices(run_id: int) -> None:
    """BI-3: one invoice per client for the week's charges, each charged at once."""
    cadence = weekly()
    week = _period(run_id, cadence, WEEKLY_RUN)
    ids = client_billing.issue_weekly_invoices(week, cutoff=cadence.due_at(week))
    # A retried run finds its invoices issued; the charging of any it left is the retry job's.
    _each(run_id, ids, _invoice_and_charge)
    log.info("weekly invoicing %s: %d invoices", week, len(ids))


@dramatiq.actor(queue_name="schedule", max_retries=3, time_limit=3_600_000)
def monthly_payouts(run_id: int) -> None:
    """BI-6: one payout per worker for the month, paid through the golden hat."""
    cadence = monthly()
    month = _period(run_id, cadence, MONTHLY_RUN)
    ids = worker_billing.create_payouts(month, cadence.previous_key(month), cutoff=cadence.due_at(month))
    _each(run_id, ids, worker_billing.pay_payout)
    log.info("monthly payouts %s: %d payouts", month, len(ids))


@dramatiq.actor(queue_name="schedule", max_retries=0)
def retry_payments() -> None:
    """Payments and payouts whose next try is due (failed yesterday, or the answer was lost)."""
    for invoice_id in client_billing.retries_due():
        client_billing.pay_invoice(invoice_id)
    for payout_id in worker_billing.retries_due():
        worker_billing.pay_payout(payout_id)
