"""Client billing tables: charges per order, weekly invoices, payment attempts, cards."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, and_, select, text
from sqlalchemy.orm import Mapped, column_property, mapped_column

from portal.client_billing.weeks import billing_week
from portal.db import UTCDateTime, db

INVOICE_STATES = ("open", "paid", "unpaid")  # unpaid: the last automatic try failed


class Charge(db.Model):
    """What one finished order costs its client (BI-1); one per order. Or a credit (no order,
    a negative amount): a dispute decided for the client, taken off the next invoice."""

    __tablename__ = "client_charges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    client_id: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))  # completed, cancelled, credit
    # A credit's reason, as the manager who decided the dispute wrote it.
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    price_cents: Mapped[int] = mapped_column(BigInteger)
    discount_percent: Mapped[int] = mapped_column(Integer)
    discount_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    charged_at = mapped_column(UTCDateTime, nullable=False)
    # The billing week (``2026-W48``) whose Sunday cut-off was still ahead when the charge was
    # made: the charge belongs to its client's invoice of that week, once the week is invoiced.
    # ``charge_order`` stamps it (a later week should this one be invoiced already); otherwise
    # it follows ``charged_at``. Never changed: the weekly run writes only invoices.
    week_key: Mapped[str] = mapped_column(
        String(10), default=lambda context: billing_week(context.get_current_parameters()["charged_at"]))

    __table_args__ = (
        Index("ix_client_charges_client", "client_id", "charged_at"),
        Index("ix_client_charges_week", "week_key", "client_id"),
    )


# Invoices a try failed on and that are still not paid: the managers' unpaid report.
UNPAID = text("state <> 'paid' AND last_failure IS NOT NULL")


class Invoice(db.Model):
    """A client's charges of one ISO week, charged on Sunday; unique per client and week."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer)
    week_key: Mapped[str] = mapped_column(String(10))  # 2026-W48
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    charge_count: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10))
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at = mapped_column(UTCDateTime, nullable=True)
    last_failure: Mapped[str | None] = mapped_column(String(40), nullable=True)
    issued_at = mapped_column(UTCDateTime, nullable=False)
    paid_at = mapped_column(UTCDateTime, nullable=True)
    # The run that wrote the row: it reports (and charges) only the invoices it wrote.
    batch: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        UniqueConstraint("client_id", "week_key"),
        Index("ix_invoices_state_next_try_at", "state", "next_try_at"),
        Index("ix_invoices_batch", "batch"),
        Index("ix_invoices_week", "week_key"),  # is the week invoiced (a new charge asks)
        # The unpaid report and its count: only invoices a try failed on, in the report's order.
        Index("ix_invoices_unpaid", "state", "week_key", "id", postgresql_where=UNPAID, sqlite_where=UNPAID),
    )


def on_its_invoice():
    """Join condition of a charge and its invoice: same client, same billing week."""
    return and_(Invoice.client_id == Charge.client_id, Invoice.week_key == Charge.week_key)


# The charge's invoice, or None while its week is not invoiced: the invoice of its client and
# week (unique). Deferred: a query or a charge that asks for it reads it, a page of charges does not.
Charge.invoice_id = column_property(
    select(Invoice.id).where(on_its_invoice()).correlate_except(Invoice).scalar_subquery(),
    deferred=True,
)


class PaymentAttempt(db.Model):
    """One call to the payment provider; saved with its key before the call."""

    __tablename__ = "payment_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    key: Mapped[str] = mapped_column(String(120), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20))  # pending, succeeded, declined, error
    reference: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    finished_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_payment_attempts_invoice", "invoice_id"),)


class PaymentCard(db.Model):
    """The client's card as the provider tokenised it: never the full number."""

    __tablename__ = "payment_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(Integer, unique=True)
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    token: Mapped[str] = mapped_column(String(80))
    added_at = mapped_column(UTCDateTime, nullable=False)
