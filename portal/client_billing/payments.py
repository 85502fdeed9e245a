"""Paying invoices through the payment provider (BI-3, BI-8), cards, and the booking block.

Every try is a ``PaymentAttempt`` whose idempotency key is committed before the provider is
called. A try whose answer was lost stays ``pending`` and is resolved by asking the provider
about its key — or executed again with the same key, which the provider answers once.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from portal import clock, ledger, notifications, people
from portal.client_billing.models import Invoice, PaymentAttempt, PaymentCard
from portal.db import db, locked, locked_or_new, transaction
from portal.errors import DomainError, NotFound
from portal.ledger import DECLINED, ERROR, SUCCEEDED, Outcome
from portal.money import Money
from portal.urls import external_url

MAX_TRIES = 3
RETRY_AFTER = timedelta(days=1)

# The sandbox's test cards: number → (brand, behaviour).
TEST_CARDS = {
    "4242424242424242": ("Visa", "ok"),
    "5555555555554444": ("Mastercard", "ok"),
    "4000000000000002": ("Visa", "decline"),
    "4000000000000119": ("Visa", "processing_error"),
    "4000000000009995": ("Visa", "timeout_after"),
}

_provider: ledger.Provider = ledger.Sandbox("payments")


def provider() -> ledger.Provider:
    return _provider


# -- cards --------------------------------------------------------------------------------

def save_card(client_id: int, number: str) -> PaymentCard:
    """Tokenise a (sandbox test) card and keep brand, last four digits and the token."""
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    if digits not in TEST_CARDS:
        raise DomainError(_l("This is the sandbox: use one of the test card numbers below."), field="number")
    brand, behaviour = TEST_CARDS[digits]
    card_details = dict(brand=brand, last4=digits[-4:], token=ledger.sandbox_token(behaviour))
    with transaction():
        now = clock.now()
        card = locked_or_new(PaymentCard, PaymentCard.client_id == client_id, client_id=client_id,
                             added_at=now, **card_details)
        for name, value in card_details.items():  # the newest card replaces the one on file
            setattr(card, name, value)
        card.added_at = now
    return card


def card_of(client_id: int) -> PaymentCard | None:
    return db.session.scalar(select(PaymentCard).where(PaymentCard.client_id == client_id))


def remove_card(client_id: int) -> None:
    with transaction():
        card = card_of(client_id)
        if card is not None:
            db.session.delete(card)


# -- paying -------------------------------------------------------------------------------

def may_book(client_id: int) -> bool:
    """False while an invoice of the client is unpaid after its last automatic try."""
    return not db.session.scalar(
        select(exists().where(Invoice.client_id == client_id, Invoice.state == "unpaid")))


class UnpaidInvoice(DomainError):
    """Booking refused until the unpaid invoice is paid (BI-3, decision)."""

    status_code = 402


def require_may_book(client_id: int) -> None:
    """Refuse a booking while an invoice is unpaid after its last try (the orders context asks)."""
    if not may_book(client_id):
        raise UnpaidInvoice(_l("An invoice is unpaid: pay it on your billing page to book again."))


def pay_invoice(invoice_id: int, by_client: int | None = None) -> Invoice:
    """Try to charge an invoice now (the weekly run, a retry, or the client's "pay now").

    ``by_client``: the client pressing "pay now" — the invoice must be theirs.
    """
    with transaction():
        invoice = locked(Invoice, Invoice.id == invoice_id)
        if invoice is None or (by_client is not None and invoice.client_id != by_client):
            raise NotFound(_l("There is no such invoice."))
        if invoice.state == "paid":
            return invoice
        attempt = ledger.begin_try(invoice, PaymentAttempt, PaymentAttempt.invoice_id, "invoice")
        card = card_of(invoice.client_id)
        key, token, amount = attempt.key, card.token if card else None, Money(attempt.amount_cents)
    if token is None:
        outcome = Outcome(DECLINED, reason="no_card")
    else:
        outcome = ledger.call_once(provider(), key, token, amount)
    if outcome is not None:
        record_outcome(key, outcome)
    return db.session.get(Invoice, invoice_id)


def charge_new_invoice(invoice_id: int) -> None:
    """The weekly run's step: tell the client about a new invoice and charge it, once.

    The invoice-issued email and the first try's key are committed together, so a run taken
    over (or a step done again) finds the invoice tried and leaves it: the retries own it then.
    """
    with transaction():
        invoice = locked(Invoice, Invoice.id == invoice_id)
        if invoice is None or invoice.state != "open" or invoice.tries:
            return
        _email(invoice, "invoice_issued")
        ledger.begin_try(invoice, PaymentAttempt, PaymentAttempt.invoice_id, "invoice")
    pay_invoice(invoice_id)  # goes on with the pending try's key


def record_outcome(key: str, outcome: Outcome) -> None:
    """The provider's answer for ``key`` (from the call, a lookup or a callback); a second
    answer for the same key changes nothing."""
    with transaction():
        # The invoice first, as "pay now" locks it: two operations never wait on each other.
        invoice_id = db.session.scalar(select(PaymentAttempt.invoice_id).where(PaymentAttempt.key == key))
        invoice = locked(Invoice, Invoice.id == invoice_id) if invoice_id is not None else None
        attempt = locked(PaymentAttempt, PaymentAttempt.key == key)
        if attempt is None or invoice is None:
            raise NotFound(_l("There is no such payment."))
        if attempt.state != "pending":
            return
        ledger.end_try(attempt, outcome)
        if outcome.status == SUCCEEDED:
            _paid(invoice, attempt)
        elif outcome.status in (DECLINED, ERROR):
            _failed(invoice, outcome.reason or outcome.status)


def _paid(invoice: Invoice, attempt: PaymentAttempt) -> None:
    amount = Money(attempt.amount_cents)
    invoice.state, invoice.paid_at, invoice.next_try_at, invoice.last_failure = "paid", clock.now(), None, None
    ledger.post(f"payment:invoice:{invoice.id}", "payment", [
        (ledger.BANK, amount), (ledger.client_account(invoice.client_id), -amount),
    ], memo=f"invoice {invoice.id} {invoice.week_key}")
    _email(invoice, "payment_succeeded")


def _failed(invoice: Invoice, reason: str) -> None:
    invoice.last_failure = reason
    if invoice.tries >= MAX_TRIES:  # also a failed "pay now" after the last automatic try
        invoice.state, invoice.next_try_at = "unpaid", None
    else:
        invoice.next_try_at = clock.now() + RETRY_AFTER
    _email(invoice, "payment_failed")


def retries_due(limit: int = 500) -> list[int]:
    """Open invoices whose next try is due (failed yesterday, or an answer still unknown)."""
    return list(db.session.scalars(
        select(Invoice.id).where(Invoice.state == "open", Invoice.next_try_at <= clock.now())
        .order_by(Invoice.next_try_at).limit(limit)))


def issued(invoice_id: int) -> None:
    """Tell the client about a new invoice, before it is charged."""
    with transaction():
        _email(db.session.get(Invoice, invoice_id), "invoice_issued")


FAILURE_REASONS = {
    "declined": _l("the card was declined"),
    "processing_error": _l("the card company could not process the payment"),
    "no_card": _l("there is no card on your account"),
    "error": _l("the payment could not be processed"),
}


def failure_label(reason: str | None):
    """Why a try failed, in words (lazy: rendered in the reader's language)."""
    return FAILURE_REASONS.get(reason or "", FAILURE_REASONS["error"])


def _email(invoice: Invoice, template: str) -> None:
    client = people.get_user(invoice.client_id)
    if not client.email:
        return
    notifications.queue_email(
        client.email, template, client.language, time_zone=client.time_zone, name=client.name, invoice=invoice,
        tries_left=max(MAX_TRIES - invoice.tries, 0), failure=failure_label(invoice.last_failure),
        link=external_url("clients.billing"), invoice_link=external_url("clients.invoice", invoice_id=invoice.id),
    )
