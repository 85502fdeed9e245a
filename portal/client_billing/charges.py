"""Charges (BI-1) and the weekly invoicing run (BI-3, BI-7)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, literal, select, update

from portal import clock, ledger
from portal.client_billing.loyalty import loyalty_discount_percent, paid_total
from portal.client_billing.models import Charge, Invoice
from portal.db import db, transaction
from portal.money import Money

CHARGED_OUTCOMES = ("completed", "cancelled")
# The run charges its invoices at once; should it die first, the retry job does after this.
FIRST_TRY_GRACE = timedelta(minutes=10)


def charge_order(payload: dict) -> Charge | None:
    """``order.finished``: charge a completed or cancelled order, once per order.

    The price less the loyalty discount the client has at this moment (BI-1). A second
    delivery finds the order's charge (unique) and writes nothing.
    """
    if payload["outcome"] not in CHARGED_OUTCOMES:
        return None
    order_id, client_id, price = payload["order_id"], payload["client_id"], Money(payload["price_cents"])
    with transaction():
        percent = loyalty_discount_percent(paid_total(client_id))
        discount = price.percent(percent)
        amount = price - discount
        charge_id = ledger.insert_once(
            Charge.__table__, ["order_id"], order_id=order_id, client_id=client_id,
            outcome=payload["outcome"], price_cents=price.cents, discount_percent=percent,
            discount_cents=discount.cents, amount_cents=amount.cents, charged_at=clock.now(),
        )
        if charge_id is None:
            return None
        ledger.post(charge_key(order_id), "charge", [
            (ledger.client_account(client_id), amount),
            (ledger.DISCOUNTS, discount),
            (ledger.REVENUE, -price),
        ], memo=f"order {order_id}")
    return db.session.get(Charge, charge_id)


def charge_key(order_id: int) -> str:
    return f"charge:order:{order_id}"


def issue_weekly_invoices(week_key: str, cutoff: datetime) -> list[int]:
    """One invoice per client for their charges not yet invoiced made before ``cutoff``.

    Set-based: one INSERT … SELECT groups the charges per client, one UPDATE puts the
    charges on their invoices, one UPDATE totals the invoices from their charges. The
    unique (client, week) makes a concurrent or repeated run of the week write nothing;
    the batch token lets only the run that wrote an invoice attach charges to it. Returns
    the ids of the invoices this call issued.
    """
    batch, now = secrets.token_hex(16), clock.now()
    pending = and_(Charge.invoice_id.is_(None), Charge.charged_at < cutoff)
    with transaction():
        ledger.insert_select_once(
            Invoice.__table__,
            ["client_id", "week_key", "amount_cents", "charge_count", "state", "tries", "issued_at",
             "next_try_at", "batch"],
            select(Charge.client_id, literal(week_key), func.sum(Charge.amount_cents), func.count(),
                   literal("open"), literal(0), literal(now, Invoice.issued_at.type),
                   literal(now + FIRST_TRY_GRACE, Invoice.issued_at.type), literal(batch))
            .where(pending).group_by(Charge.client_id),
            conflict=["client_id", "week_key"],
        )
        own = (select(Invoice.id).where(Invoice.client_id == Charge.client_id, Invoice.week_key == week_key,
                                        Invoice.batch == batch).scalar_subquery())
        db.session.execute(
            update(Charge).where(pending, exists(own)).values(invoice_id=own)
            .execution_options(synchronize_session=False)
        )
        # A charge committed between the INSERT and the UPDATE is on its invoice too: total
        # the invoices from what they hold, so an invoice always equals its charges.
        db.session.execute(
            update(Invoice).where(Invoice.batch == batch).values(
                amount_cents=select(func.coalesce(func.sum(Charge.amount_cents), 0))
                .where(Charge.invoice_id == Invoice.id).scalar_subquery(),
                charge_count=select(func.count()).where(Charge.invoice_id == Invoice.id).scalar_subquery(),
            ).execution_options(synchronize_session=False)
        )
        ids = list(db.session.scalars(select(Invoice.id).where(Invoice.batch == batch).order_by(Invoice.id)))
    return ids


def upcoming(client_id: int) -> tuple[Money, int]:
    """What the client's next invoice holds so far: the total and the count of charges."""
    total, count = db.session.execute(
        select(func.coalesce(func.sum(Charge.amount_cents), 0), func.count())
        .where(Charge.client_id == client_id, Charge.invoice_id.is_(None))
    ).one()
    return Money(int(total)), count

