"""Charges (BI-1) and the weekly invoicing run (BI-3, BI-7)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, func, literal, select, text, update

from portal import clock, ledger
from portal.client_billing.loyalty import loyalty_discount_percent, paid_total
from portal.client_billing.models import Charge, Invoice, on_its_invoice
from portal.client_billing.weeks import BILLING_WEEKS, billing_week
from portal.db import db, insert_once, insert_select_once, transaction
from portal.errors import NotFound
from portal.i18n import lazy_gettext as _l
from portal.money import Money

CHARGED_OUTCOMES = ("completed", "cancelled")
# The run charges its invoices at once; should it die first, the retry job does after this.
# Long: a week of 100 000 invoices takes minutes, and a run that dies is taken over when its
# lease runs out; the retry job must not send first tries to invoices the run has not reached
# yet.
FIRST_TRY_GRACE = timedelta(hours=6)


def charge_order(payload: dict) -> int | None:
    """``order.finished``: charge a completed or cancelled order, once per order; the
    charge's id.

    The price less the loyalty discount the client has at this moment (BI-1). A second
    delivery finds the order's charge (unique), writes nothing and returns None.
    """
    if payload["outcome"] not in CHARGED_OUTCOMES:
        return None
    order_id, client_id, price = payload["order_id"], payload["client_id"], Money(payload["price_cents"])
    with transaction():
        percent = loyalty_discount_percent(paid_total(client_id))
        discount = price.percent(percent)
        amount = price - discount
        charge_id = insert_once(
            Charge.__table__, ["order_id"], order_id=order_id, client_id=client_id,
            outcome=payload["outcome"], price_cents=price.cents, discount_percent=percent,
            discount_cents=discount.cents, amount_cents=amount.cents, charged_at=clock.now(),
            week_key=_open_week(clock.now()),
        )
        if charge_id is None:
            return None
        ledger.post(charge_key(order_id), "charge", [
            (ledger.client_account(client_id), amount),
            (ledger.DISCOUNTS, discount),
            (ledger.REVENUE, -price),
        ], memo=f"order {order_id}")
    return charge_id


def charge_key(order_id: int) -> str:
    return f"charge:order:{order_id}"


def line_key(charge: Charge) -> str:
    """The ledger entry a charge or a credit was posted as."""
    return charge_key(charge.order_id) if charge.order_id is not None else f"credit:{charge.id}"


def statement_charge(client_id: int, charge_id: int) -> ledger.StatementLine:
    """The client's own charge (or credit), to dispute; another client's is not found."""
    charge = db.session.get(Charge, charge_id)
    if charge is None or charge.client_id != client_id:
        raise NotFound(_l("There is no such charge on your statement."))
    return ledger.StatementLine(line_key(charge), "credit" if charge.order_id is None else "charge",
                                Money(charge.amount_cents), client_id, "client", charge.charged_at, charge.order_id)


def credit_client(client_id: int, amount: Money, note: str) -> Charge:
    """A dispute decided for the client: a credit line (a negative charge) on the client's next
    invoice, posted as its own entry (the disputed charge and its posting stay as they were).
    The caller holds the lock that makes it happen once (the dispute's case)."""
    with transaction():
        now = clock.now()
        credit = Charge(order_id=None, client_id=client_id, outcome="credit", price_cents=-amount.cents,
                        discount_percent=0, discount_cents=0, amount_cents=-amount.cents, note=note,
                        charged_at=now, week_key=_open_week(now))
        db.session.add(credit)
        db.session.flush()
        ledger.post(line_key(credit), "credit", [
            (ledger.CORRECTIONS, amount), (ledger.client_account(client_id), -amount)], memo=note)
    return credit


def issue_weekly_invoices(week_key: str, cutoff: datetime | None = None) -> list[int]:
    """One invoice per client with charges in the billing week ``week_key``.

    One INSERT … SELECT groups the week's charges per client and totals each invoice in the
    same aggregate; no charge is written, for a charge already names its week and so its
    invoice (same client and week). The unique (client, week) makes a concurrent or repeated
    run of the week write nothing. ``cutoff``, the week's Sunday 20:00 the callers pass, is not
    needed: every charge made before it already carries the week. Returns the ids of the
    invoices this call issued.
    """
    batch, now = secrets.token_hex(16), clock.now()
    with transaction():
        _lock_week(week_key, shared=False)
        _carry_credits_over(week_key)
        insert_select_once(
            Invoice.__table__,
            ["client_id", "week_key", "amount_cents", "charge_count", "state", "tries", "issued_at",
             "next_try_at", "batch"],
            select(Charge.client_id, literal(week_key), func.sum(Charge.amount_cents), func.count(),
                   literal("open"), literal(0), literal(now, Invoice.issued_at.type),
                   literal(now + FIRST_TRY_GRACE, Invoice.issued_at.type), literal(batch))
            .where(Charge.week_key == week_key).group_by(Charge.client_id),
            conflict=["client_id", "week_key"],
        )
        # Nothing to charge (a credit as large as the week's charges): settled as it is issued,
        # never sent to the provider.
        db.session.execute(update(Invoice).where(Invoice.batch == batch, Invoice.amount_cents <= 0)
                           .values(state="paid", paid_at=now, next_try_at=None)
                           .execution_options(synchronize_session=False))
        ids = list(db.session.scalars(select(Invoice.id).where(Invoice.batch == batch).order_by(Invoice.id)))
    return ids


def _carry_credits_over(week_key: str) -> None:
    """A client whose credits (disputes decided for them) exceed the week's charges would get
    an invoice below zero, a charge no provider takes: their credits move on to the next week
    not invoiced yet, and are taken off the next invoice that has charges to take them from."""
    over = (select(Charge.client_id).where(Charge.week_key == week_key).group_by(Charge.client_id)
            .having(func.sum(Charge.amount_cents) < 0))
    if not db.session.scalar(select(exists(over))):
        return
    later = BILLING_WEEKS.next_key(week_key)
    while db.session.scalar(select(exists().where(Invoice.week_key == later))):
        later = BILLING_WEEKS.next_key(later)
    db.session.execute(update(Charge).where(Charge.week_key == week_key, Charge.order_id.is_(None),
                                            Charge.client_id.in_(over))
                       .values(week_key=later).execution_options(synchronize_session=False))


def week_invoices(week_key: str) -> list[int]:
    """The ids of every invoice of the week, in the order they were issued."""
    return list(db.session.scalars(select(Invoice.id).where(Invoice.week_key == week_key).order_by(Invoice.id)))


def oldest_uninvoiced_week() -> str | None:
    """The oldest billing week holding charges that are on no invoice yet (keys sort in time
    order): a first weekly run invoices from there, so no week is skipped (BI-7)."""
    return db.session.scalar(select(func.min(Charge.week_key)).where(~exists().where(on_its_invoice())))


def _open_week(moment: datetime) -> str:
    """The billing week of a charge made at ``moment``: the one whose cut-off is still ahead —
    or a later one, should that week be invoiced already (its run made early, or done while
    this charge was in flight): an invoiced week never takes another charge, so every charge
    is on exactly one invoice."""
    while True:
        week = billing_week(moment)
        _lock_week(week, shared=True)
        if not db.session.scalar(select(exists().where(Invoice.week_key == week))):
            return week
        moment += timedelta(weeks=1)


def _lock_week(week_key: str, shared: bool) -> None:
    """Charges of a week (shared) and its invoicing run (exclusive) wait for each other on
    PostgreSQL until their transaction ends: the run waits for the week's charges in flight
    and then reads them; a charge made while the run holds the lock waits, sees the run's
    invoices and moves to the next week. SQLite serialises writers anyway."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    db.session.execute(text(f"SELECT {function}(hashtext(:key))"), {"key": f"client_billing.week:{week_key}"})


def upcoming(client_id: int) -> tuple[Money, int]:
    """What the client's next invoices hold so far: the total and the count of the charges
    whose week is not invoiced yet."""
    total, count = db.session.execute(upcoming_query(client_id)).one()
    return Money(int(total)), count


def upcoming_query(client_id: int) -> Select:
    """``upcoming`` as a statement of one row (``total`` in cents, ``count``)."""
    return (select(func.coalesce(func.sum(Charge.amount_cents), 0).label("total"), func.count().label("count"))
            .where(Charge.client_id == client_id, ~exists().where(on_its_invoice())))
