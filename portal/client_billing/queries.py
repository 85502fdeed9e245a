"""What the client's billing page and the managers' reports read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import undefer

from portal import clock, ledger
from portal.client_billing.charges import upcoming_query
from portal.client_billing.loyalty import (
    loyalty_discount_percent,
    next_tier,
    paid_balance_query,
    paid_from_balance,
)
from portal.client_billing.models import Charge, Invoice, PaymentCard
from portal.client_billing.payments import card_of, unpaid_after_tries
from portal.client_billing.weeks import BILLING_WEEKS
from portal.db import db
from portal.errors import NotFound
from portal.i18n import lazy_gettext as _l
from portal.money import Money
from portal.paging import paginate


@dataclass
class Statement:
    upcoming: Money
    upcoming_count: int
    paid_total: Money
    discount_percent: int
    next_tier: tuple[int, Money] | None
    card: PaymentCard | None
    may_book: bool
    invoices: list[Invoice]
    charges: object  # a page of Charge rows, newest first
    invoiced_at: datetime | None = None  # the next weekly cut-off (Sunday 20:00 business time)


# The billing page's statements are built once, with the client as ``:client``: building them
# and their cache keys again on every view was a fifth of the page.
_upcoming = upcoming_query(bindparam("client")).subquery()
# The totals, the loyalty base and the booking block are one row: each was a round trip.
_SUMMARY = select(_upcoming.c.total, _upcoming.c.count, unpaid_after_tries(bindparam("client")),
                  paid_balance_query(bindparam("paid_account")).scalar_subquery())
# Each charge links to its invoice: the invoice id comes in the same query.
_CHARGES = (select(Charge).options(undefer(Charge.invoice_id)).where(Charge.client_id == bindparam("client"))
            .order_by(Charge.charged_at.desc(), Charge.id.desc()))
_INVOICES = (select(Invoice).where(Invoice.client_id == bindparam("client"))
             .order_by(Invoice.week_key.desc()).limit(bindparam("limit")))


def statement(client_id: int, page: int = 1, per_page: int = 20) -> Statement:
    """Everything the client sees about their money, in a fixed number of queries."""
    client = {"client": client_id}
    upcoming_cents, count, unpaid, paid_balance = db.session.execute(
        _SUMMARY, {**client, "paid_account": ledger.client_account(client_id)}).one()
    paid = paid_from_balance(paid_balance)
    return Statement(
        upcoming=Money(int(upcoming_cents)), upcoming_count=count, paid_total=paid,
        discount_percent=loyalty_discount_percent(paid), next_tier=next_tier(paid),
        card=card_of(client_id), may_book=not unpaid,
        invoices=invoices_of(client_id),
        charges=paginate(_CHARGES, page, per_page, params=client),
        invoiced_at=BILLING_WEEKS.next_due_after(clock.now()),
    )


def order_charge(order_id: int) -> Charge | None:
    """What a finished order was actually charged (one query); None until it is, and for
    orders that are never charged (failed ones)."""
    return db.session.scalar(select(Charge).where(Charge.order_id == order_id))


def invoices_of(client_id: int, limit: int = 52) -> list[Invoice]:
    """The client's invoices of the last year or so, newest week first (one query)."""
    return list(db.session.scalars(_INVOICES, {"client": client_id, "limit": limit}))


@dataclass
class InvoiceLines:
    """One invoice as its page shows it: the invoice, its charges (one per order) and totals."""

    invoice: Invoice
    lines: list[Charge]  # oldest first

    @property
    def price(self) -> Money:
        return Money(sum(c.price_cents for c in self.lines))

    @property
    def discount(self) -> Money:
        return Money(sum(c.discount_cents for c in self.lines))

    @property
    def charged(self) -> Money:
        return Money(sum(c.amount_cents for c in self.lines))


def invoice_lines(invoice_id: int, client_id: int | None = None) -> InvoiceLines:
    """An invoice and the charges on it (two queries). With ``client_id`` only that client's
    invoice is found: another client's is as absent as one that does not exist."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or (client_id is not None and invoice.client_id != client_id):
        raise NotFound(_l("There is no such invoice."))
    lines = list(db.session.scalars(
        select(Charge).where(Charge.client_id == invoice.client_id, Charge.week_key == invoice.week_key)
        .order_by(Charge.charged_at, Charge.id)))
    return InvoiceLines(invoice, lines)
