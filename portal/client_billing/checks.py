"""The conservation check's client half: every order, invoice and payment balances to the cent."""

from __future__ import annotations

from sqlalchemy import String, cast, func, literal, select

from portal import ledger
from portal.client_billing.models import Charge, Invoice
from portal.db import db
from portal.words import Message, N_, Words, money, term

# What can fail to balance, in words for whoever reads the check (page or command line).
FINDINGS = Words({
    "charge_not_posted": N_("Order %(order)s: charged %(amount)s of %(price)s, but the ledger shows %(posted)s."),
    "invoice_not_its_charges": N_("Invoice %(invoice)s: %(amount)s, but its charges sum to %(total)s."),
    "payment_not_posted": N_("Invoice %(invoice)s (%(state)s, %(amount)s): the ledger shows a payment of %(paid)s."),
})
INVOICE_STATES = {"open": N_("being charged"), "paid": N_("paid"), "unpaid": N_("unpaid")}


def problems(limit: int = 50) -> list[Message]:
    """What does not balance (codes and amounts, read in the reader's language); an empty list
    when everything does."""
    found: list[Message] = []
    charges = ledger.debits_by_key("charge", "credit")
    # As ``line_key`` names them: a charge by its order, a credit (negative) by its own id.
    key = func.coalesce(literal("charge:order:") + cast(Charge.order_id, String),
                        literal("credit:") + cast(Charge.id, String))
    for order_id, amount, price, posted in db.session.execute(
        select(Charge.order_id, Charge.amount_cents, Charge.price_cents, charges.c.cents)
        .join(charges, charges.c.key == key, isouter=True)
        .where(func.coalesce(charges.c.cents, -1) != func.abs(Charge.price_cents)).limit(limit)
    ):
        found.append(Message(FINDINGS, "charge_not_posted", {
            "order": order_id, "amount": money(amount), "price": money(price), "posted": money(posted)}))
    # An invoice holds its client's charges of its week.
    sums = (select(Charge.client_id, Charge.week_key, func.sum(Charge.amount_cents).label("cents"))
            .group_by(Charge.client_id, Charge.week_key).subquery())
    for invoice_id, amount, total in db.session.execute(
        select(Invoice.id, Invoice.amount_cents, sums.c.cents)
        .join(sums, (sums.c.client_id == Invoice.client_id) & (sums.c.week_key == Invoice.week_key), isouter=True)
        .where(func.coalesce(sums.c.cents, 0) != Invoice.amount_cents).limit(limit)
    ):
        found.append(Message(FINDINGS, "invoice_not_its_charges", {
            "invoice": invoice_id, "amount": money(amount), "total": money(total)}))
    payments = ledger.debits_by_key("payment")
    pkey = literal("payment:invoice:") + cast(Invoice.id, String)
    for invoice_id, state, amount, paid in db.session.execute(
        select(Invoice.id, Invoice.state, Invoice.amount_cents, payments.c.cents)
        .join(payments, payments.c.key == pkey, isouter=True)
        .where(((Invoice.state == "paid") & (func.coalesce(payments.c.cents, -1) != Invoice.amount_cents))
               | ((Invoice.state != "paid") & payments.c.cents.is_not(None))).limit(limit)
    ):
        found.append(Message(FINDINGS, "payment_not_posted", {
            "invoice": invoice_id, "state": term(INVOICE_STATES.get(state, state)), "amount": money(amount),
            "paid": money(paid)}))
    return found
