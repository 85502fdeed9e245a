"""Paying invoices through the payment provider (BI-3, BI-8), cards, and the booking block.

Every try is a ``PaymentAttempt`` whose idempotency key is committed before the provider is
called. A try whose answer was lost stays ``pending`` and is resolved by asking the provider
about its key — or executed again with the same key, which the provider answers once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, bindparam, case, exists, func, or_, select

from portal import clock, ledger, notifications, people
from portal.client_billing.models import Invoice, PaymentAttempt, PaymentCard
from portal.db import db, locked, locked_all, locked_or_new, transaction
from portal.errors import DomainError, NotFound
from portal.i18n import lazy_gettext as _l
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


_CARD = select(PaymentCard).where(PaymentCard.client_id == bindparam("client"))  # built once: every billing view


def card_of(client_id: int) -> PaymentCard | None:
    return db.session.scalar(_CARD, {"client": client_id})


def remove_card(client_id: int) -> None:
    with transaction():
        card = card_of(client_id)
        if card is not None:
            db.session.delete(card)


# -- paying -------------------------------------------------------------------------------

def may_book(client_id: int) -> bool:
    """False while an invoice of the client is unpaid after its last automatic try."""
    return not db.session.scalar(select(unpaid_after_tries(client_id)))


def unpaid_after_tries(client_id: int):
    """Whether an invoice of the client is unpaid after its last automatic try (an EXISTS)."""
    return exists().where(Invoice.client_id == client_id, Invoice.state == "unpaid")


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
    outcome = _call(key, token, amount)
    if outcome is not None:
        record_outcome(key, outcome)
    return db.session.get(Invoice, invoice_id)


def _call(key: str, token: str | None, amount: Money) -> Outcome | None:
    """Ask the provider to move ``amount`` under ``key`` (None: the answer is still unknown)."""
    if token is None:
        return Outcome(DECLINED, reason="no_card")
    return ledger.call_once(provider(), key, token, amount)


# -- the weekly run's charging --------------------------------------------------------------

def unsettled():
    """An invoice the weekly run still has to charge: open, and never tried, or its try's
    answer still unknown (lost; asked again with the same key). Any other invoice is settled
    for the run: paid, or failed with an answer and left to the daily retries."""
    pending = exists().where(PaymentAttempt.invoice_id == Invoice.id, PaymentAttempt.state == "pending")
    return and_(Invoice.state == "open", or_(Invoice.tries == 0, pending))


def week_progress(week_key: str) -> tuple[int, int]:
    """(settled, all) invoices of the week, in one query: the weekly run's progress."""
    total, left = db.session.execute(
        select(func.count(), func.count(case((unsettled(), 1)))).where(Invoice.week_key == week_key)).one()
    return total - left, total


def unsettled_invoices(week_key: str, lanes: int, lane: int, after: int = 0, limit: int = 25) -> list[int]:
    """The next ``limit`` unsettled invoices of the week after id ``after`` in lane ``lane`` of
    ``lanes`` (ids modulo ``lanes``: lanes never share an invoice)."""
    return list(db.session.scalars(
        select(Invoice.id).where(Invoice.week_key == week_key, Invoice.id > after, Invoice.id % lanes == lane,
                                 unsettled()).order_by(Invoice.id).limit(limit)))


def week_settled(week_key: str) -> bool:
    """No invoice of the week is left for the weekly run."""
    return not db.session.scalar(select(exists().where(Invoice.week_key == week_key, unsettled())))


def charge_new_invoice(invoice_id: int) -> None:
    """``charge_new_invoices`` for one invoice."""
    charge_new_invoices([invoice_id])


def charge_new_invoices(invoice_ids: list[int]) -> int:
    """The weekly run's step for a chunk of its invoices: charge each once and email its
    client the outcome with the invoice; returns how many of them this call settled.

    Two transactions for the whole chunk, whatever its size: the tries' keys (committed before
    any call), then, after the provider's answers, every outcome with its ledger entry (one
    batch) and email. A chunk done again (a message delivered twice, a run
    taken over) skips the settled invoices and asks again, with the same key, about those
    whose answer it never recorded: the provider executes a key once.
    """
    calls = _begin_tries(invoice_ids)
    answers = [(invoice_id, key, _call(key, token, amount)) for invoice_id, key, token, amount in calls]
    return _record_outcomes([(invoice_id, key, outcome) for invoice_id, key, outcome in answers if outcome is not None])


def _locked_invoices(invoice_ids, *criteria) -> list[Invoice]:
    """The invoices locked until the transaction ends, in id order (as every batch takes
    them), read fresh."""
    return locked_all(Invoice, Invoice.id.in_(invoice_ids), *criteria, order_by=Invoice.id)


def _begin_tries(invoice_ids: list[int]) -> list[tuple[int, str, str | None, Money]]:
    """(invoice, key, card token, amount) of each unsettled invoice of ``invoice_ids``, its
    try's key committed before the provider is called."""
    with transaction():
        invoices = _locked_invoices(invoice_ids, unsettled())
        ids, clients = [i.id for i in invoices], {i.client_id for i in invoices}
        pending = {a.invoice_id: a for a in db.session.scalars(
            select(PaymentAttempt).where(PaymentAttempt.invoice_id.in_(ids), PaymentAttempt.state == "pending"))}
        tokens = dict(db.session.execute(
            select(PaymentCard.client_id, PaymentCard.token).where(PaymentCard.client_id.in_(clients))).all())
        calls = []
        for invoice in invoices:
            attempt = ledger.begin_try(invoice, PaymentAttempt, PaymentAttempt.invoice_id, "invoice",
                                       pending=pending.get(invoice.id))
            calls.append((invoice.id, attempt.key, tokens.get(invoice.client_id), Money(attempt.amount_cents)))
    return calls


def _record_outcomes(answers: list[tuple[int, str, Outcome]]) -> int:
    """``record_outcome`` for a batch, in one transaction; returns how many it recorded."""
    if not answers:
        return 0
    with transaction():
        invoices = {i.id: i for i in _locked_invoices([invoice_id for invoice_id, _, _ in answers])}
        attempts = {a.key: a for a in locked_all(PaymentAttempt, PaymentAttempt.key.in_([key for _, key, _ in answers]),
                                                 order_by=PaymentAttempt.id)}
        # For the emails, in one query; held here, since the session keeps no object alive.
        clients = people.get_users({i.client_id for i in invoices.values()})
        recorded, entries = 0, []
        with notifications.queued_together():  # the chunk's emails: one message delivers them
            for invoice_id, key, outcome in answers:
                attempt = attempts.get(key)
                if attempt is not None and attempt.state == "pending" and invoice_id in invoices:
                    invoice = invoices[invoice_id]
                    _settle(invoice, attempt, outcome, entries, clients.get(invoice.client_id))
                    recorded += 1
        ledger.post_many(entries)
    return recorded


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
        entries = []
        _settle(invoice, attempt, outcome, entries)
        ledger.post_many(entries)


def _settle(invoice: Invoice, attempt: PaymentAttempt, outcome: Outcome, entries: list, client=None) -> None:
    """The answer for the invoice's pending try (both rows locked by the caller): the client
    is emailed the outcome with the invoice; a payment's ledger entry goes to ``entries``,
    which the caller posts (a batch's in one go)."""
    ledger.end_try(attempt, outcome)
    if outcome.status == SUCCEEDED:
        amount = Money(attempt.amount_cents)
        invoice.state, invoice.paid_at, invoice.next_try_at, invoice.last_failure = "paid", clock.now(), None, None
        entries.append(ledger.NewEntry(f"payment:invoice:{invoice.id}", "payment", [
            (ledger.BANK, amount), (ledger.client_account(invoice.client_id), -amount),
        ], memo=f"invoice {invoice.id} {invoice.week_key}"))
        _email(invoice, "payment_succeeded", client)
    elif outcome.status in (DECLINED, ERROR):
        invoice.last_failure = outcome.reason or outcome.status
        if invoice.tries >= MAX_TRIES:  # also a failed "pay now" after the last automatic try
            invoice.state, invoice.next_try_at = "unpaid", None
        else:
            invoice.next_try_at = clock.now() + RETRY_AFTER
        _email(invoice, "payment_failed", client)


def retries_due(limit: int = 500) -> list[int]:
    """Open invoices whose next try is due (failed yesterday, or an answer still unknown)."""
    return list(db.session.scalars(
        select(Invoice.id).where(Invoice.state == "open", Invoice.next_try_at <= clock.now())
        .order_by(Invoice.next_try_at).limit(limit)))


FAILURE_REASONS = {
    "declined": _l("the card was declined"),
    "processing_error": _l("the card company could not process the payment"),
    "no_card": _l("there is no card on your account"),
    "error": _l("the payment could not be processed"),
}


def failure_label(reason: str | None):
    """Why a try failed, in words (lazy: rendered in the reader's language)."""
    return FAILURE_REASONS.get(reason or "", FAILURE_REASONS["error"])


def _email(invoice: Invoice, template: str, client=None) -> None:
    """The outcome of a try, with the invoice (one email per outcome: no separate "issued" one
    seconds before the charge)."""
    client = client or people.get_user(invoice.client_id)
    if not client.email:
        return
    notifications.queue_email(
        client.email, template, client.language, time_zone=client.time_zone, name=client.name, invoice=invoice,
        tries_left=max(MAX_TRIES - invoice.tries, 0), failure=failure_label(invoice.last_failure),
        link=external_url("clients.billing"), invoice_link=external_url("clients.invoice", invoice_id=invoice.id),
    )
