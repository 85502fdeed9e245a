"""What the client's billing page and the managers' reports read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal import clock
from portal.client_billing.charges import upcoming
from portal.client_billing.loyalty import loyalty_discount_percent, next_tier, paid_total
from portal.client_billing.models import Charge, Invoice, PaymentCard
from portal.client_billing.payments import card_of, may_book
from portal.client_billing.weeks import BILLING_WEEKS
from portal.db import db
from portal.money import Money


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


def statement(client_id: int, page: int = 1, per_page: int = 20) -> Statement:
    """Everything the client sees about their money, in a fixed number of queries."""
    total_upcoming, count = upcoming(client_id)
    paid = paid_total(client_id)
    return Statement(
        upcoming=total_upcoming, upcoming_count=count, paid_total=paid,
        discount_percent=loyalty_discount_percent(paid), next_tier=next_tier(paid),
        card=card_of(client_id), may_book=may_book(client_id),
        invoices=list(db.session.scalars(select(Invoice).where(Invoice.client_id == client_id)
                                         .order_by(Invoice.week_key.desc()).limit(52))),
        charges=db.paginate(select(Charge).where(Charge.client_id == client_id)
                            .order_by(Charge.charged_at.desc(), Charge.id.desc()),
                            page=page, per_page=per_page, error_out=False),
        invoiced_at=BILLING_WEEKS.next_due_after(clock.now()),
    )
