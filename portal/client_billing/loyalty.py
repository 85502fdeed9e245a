"""The loyalty discount (SPEC BI-2): a percentage by how much the client has paid so far."""

from __future__ import annotations

from portal import ledger
from portal.db import db
from portal.money import Money

FIRST_TIER = Money.cu(10_000)   # over this: 5 %
SECOND_TIER = Money.cu(20_000)  # over this: 6 %, then one point per further step
STEP = Money.cu(10_000)
MAX_PERCENT = 12


def loyalty_discount_percent(paid_total: Money) -> int:
    """Discount in whole percent for a client who has paid ``paid_total``; "over" is strict."""
    if paid_total <= FIRST_TIER:
        return 0
    if paid_total <= SECOND_TIER:
        return 5
    # Over 20 000: 6 %, over 30 000: 7 %, … — count the whole steps strictly above 20 000.
    further_steps = (paid_total.cents - SECOND_TIER.cents - 1) // STEP.cents
    return min(6 + further_steps, MAX_PERCENT)


def next_tier(paid_total: Money) -> tuple[int, Money] | None:
    """The next discount and how much more must be paid to reach it; None at the top."""
    percent = loyalty_discount_percent(paid_total)
    if percent >= MAX_PERCENT:
        return None
    # The tiers start just over FIRST_TIER + n × STEP; one hundredth over is enough.
    threshold = FIRST_TIER
    while loyalty_discount_percent(threshold + Money(1)) <= percent:
        threshold = threshold + STEP
    return loyalty_discount_percent(threshold + Money(1)), threshold + Money(1) - paid_total


def paid_total(client_id: int) -> Money:
    """What the client has paid on invoices: the payments credited to their ledger account."""
    return paid_from_balance(db.session.scalar(paid_balance_query(ledger.client_account(client_id))))


def paid_balance_query(account):
    """The ledger balance behind ``paid_total``, as a statement of one value in cents (for a page
    that reads it with others; ``paid_from_balance`` turns it into what was paid). ``account``:
    the client's ledger account (``ledger.client_account``), or a bind parameter for it."""
    return ledger.balance_query(account, kind="payment")


def paid_from_balance(balance_cents: int) -> Money:
    """Payments credit the client's account: what they paid is that balance, negated."""
    return -Money(int(balance_cents))
