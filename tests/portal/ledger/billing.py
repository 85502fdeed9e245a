"""Billing test helpers: ``order.finished`` as orders publishes it, delivered to the billing
consumers as the workers would (``deliver``), and sums to compare with."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from jobs.events import consumers_of, handle_event
from portal import client_billing, clock, events, worker_billing
from portal.db import db

_orders = itertools.count(10_000)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def finish(client_id: int, worker_id: int | None, outcome: str = "completed", price_cents: int = 10_000,
           times: int = 1) -> int:
    """Publish ``order.finished`` for a new order id and deliver it ``times`` times to billing."""
    order_id = next(_orders)
    start = clock.now() - timedelta(hours=2)
    # The payload ``orders`` publishes (other consumers of the event read the rest of it).
    payload = {"order_id": order_id, "client_id": client_id, "worker_id": worker_id,
               "price_cents": price_cents, "service_type": "cleaning", "starts_at": start.isoformat(),
               "ends_at": clock.now().isoformat(), "address": "1 Test Street", "outcome": outcome,
               "finished_at": clock.now().isoformat()}
    event_id = events.publish("order.finished", payload).id
    db.session.commit()
    for _ in range(times):
        deliver(event_id)
    return order_id


def deliver(event_id: str) -> None:
    """One delivery of the event to every billing consumer (as a worker would run them)."""
    for name in consumers_of("order.finished"):
        if name.startswith("billing."):
            handle_event.fn(event_id, name)
    db.session.expire_all()


def charges_of(client_id: int) -> list:
    return list(db.session.scalars(select(client_billing.Charge).where(client_billing.Charge.client_id == client_id)
                                   .order_by(client_billing.Charge.id)))


def invoices_of(client_id: int) -> list:
    return list(db.session.scalars(select(client_billing.Invoice).where(client_billing.Invoice.client_id == client_id)
                                   .order_by(client_billing.Invoice.week_key)))


def lines_of(worker_id: int) -> list:
    return list(db.session.scalars(select(worker_billing.Line).where(worker_billing.Line.worker_id == worker_id)
                                   .order_by(worker_billing.Line.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))



def unpaid_invoice(client_id: int) -> int:
    """A 100 CU invoice for this week, declined on every automatic try: the client is blocked."""
    from portal import ledger

    finish(client_id, None)
    now = clock.now()
    sunday = now.date() + timedelta(days=6 - now.weekday())
    clock.freeze(max(now, at(sunday.year, sunday.month, sunday.day, 20)))
    year, week, _ = sunday.isocalendar()
    client_billing.issue_weekly_invoices(f"{year}-W{week:02d}", cutoff=clock.now() + timedelta(seconds=1))
    (invoice_id,) = [invoice.id for invoice in invoices_of(client_id) if invoice.state == "open"]
    client_billing.save_card(client_id, "4000000000000002")
    for _ in range(client_billing.MAX_TRIES):
        client_billing.pay_invoice(invoice_id)
        clock.advance(timedelta(days=1))
    ledger.script_next_calls()
    assert not client_billing.may_book(client_id)
    return invoice_id
