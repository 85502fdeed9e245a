"""The managers' client-side reports (BI-9): revenue and discounts by week, unpaid invoices.

Each report is one grouped query over invoices and their charges, whatever the number of
rows, and reads only what the billing tables hold (the ledger proves them, ``problems``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, bindparam, case, func, select

from portal import people
from portal.client_billing.models import Charge, Invoice, on_its_invoice
from portal.db import db
from portal.money import Money


@dataclass(frozen=True)
class WeekRevenue:
    week_key: str
    invoices: int
    list_price: Money   # what the orders cost before discounts
    discounts: Money    # loyalty discounts given
    billed: Money       # invoiced: list price − discounts
    paid: Money

    @property
    def outstanding(self) -> Money:
        return self.billed - self.paid


# The reports' statements are built once, their period as parameters: building each and its
# cache key again was most of a report's time on the managers' billing page.
_paid = case((Invoice.state == "paid", Charge.amount_cents), else_=0)
_REVENUE = (select(Invoice.week_key, func.count(func.distinct(Invoice.id)), func.sum(Charge.price_cents),
                   func.sum(Charge.discount_cents), func.sum(Charge.amount_cents), func.sum(_paid))
            .join(Charge, on_its_invoice())
            .where(Invoice.week_key >= bindparam("first_week"), Invoice.week_key <= bindparam("last_week"))
            .group_by(Invoice.week_key).order_by(Invoice.week_key))


def revenue_by_week(first_week: str, last_week: str) -> list[WeekRevenue]:
    """Invoiced weeks from ``first_week`` to ``last_week`` (keys like ``2026-W48``), oldest first."""
    rows = db.session.execute(_REVENUE, {"first_week": first_week, "last_week": last_week}).all()
    return [WeekRevenue(week, count, *(Money(int(c)) for c in sums)) for week, count, *sums in rows]


@dataclass(frozen=True)
class UnpaidInvoice:
    id: int
    client_id: int
    client_name: str
    client_email: str | None
    week_key: str
    amount: Money
    state: str          # open (tries left) or unpaid (blocked from booking)
    tries: int
    last_failure: str | None


def _unpaid():
    return (Invoice.state != "paid") & Invoice.last_failure.is_not(None)


def unpaid_invoice_ids() -> Select:
    """The invoices the unpaid report lists, as a statement to count (a partial index holds
    exactly those invoices)."""
    return select(Invoice.id).where(_unpaid())


_UNPAID = (select(Invoice.id, Invoice.client_id, people.User.name, people.User.email, Invoice.week_key,
                  Invoice.amount_cents, Invoice.state, Invoice.tries, Invoice.last_failure)
           .join(people.User, people.User.id == Invoice.client_id)
           .where(_unpaid())
           .order_by(Invoice.state.desc(), Invoice.week_key, Invoice.id).limit(bindparam("limit")))


def unpaid_invoices(limit: int = 500) -> list[UnpaidInvoice]:
    """Invoices not paid after at least one failed try, blocked clients first, oldest first."""
    rows = db.session.execute(_UNPAID, {"limit": limit}).all()
    return [UnpaidInvoice(r.id, r.client_id, r.name, r.email, r.week_key, Money(r.amount_cents), r.state,
                          r.tries, r.last_failure) for r in rows]
