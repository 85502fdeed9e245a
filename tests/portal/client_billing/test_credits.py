"""A client's credit (a dispute decided for them) larger than the week's charges never makes an
invoice below zero: the credit moves on to the next week with charges; a week that comes to
exactly nothing is settled as it is issued, without asking the provider for zero."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import client_billing, clock
from portal.client_billing.models import Invoice
from portal.ledger.models import SandboxTransfer
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import at, finish


def invoices_of(client_id: int) -> list[tuple[str, int, str]]:
    return [(i.week_key, i.amount_cents, i.state) for i in client_billing.invoices_of(client_id)][::-1]


def test_a_credit_larger_than_the_weeks_charges_is_taken_off_the_next_invoice(db):
    cat = factories.user("client")
    client_billing.save_card(cat.id, "4242424242424242")
    clock.freeze(at(2026, 11, 24, 10))
    finish(cat.id, None, price_cents=5_000)                          # 50 charged in week 48
    client_billing.credit_client(cat.id, Money.cu(80), "Not done")    # 80 credited the same week

    (w48,) = client_billing.issue_weekly_invoices("2026-W48")
    client_billing.charge_new_invoice(w48)
    clock.freeze(at(2026, 12, 1, 10))
    finish(cat.id, None, price_cents=10_000)                         # 100 charged in week 49
    (w49,) = client_billing.issue_weekly_invoices("2026-W49")
    client_billing.charge_new_invoice(w49)

    assert invoices_of(cat.id) == [("2026-W48", 5_000, "paid"), ("2026-W49", 2_000, "paid")]
    moved = db.session.scalars(select(SandboxTransfer.amount_cents).order_by(SandboxTransfer.id)).all()
    assert moved == [5_000, 2_000]  # never a negative charge: 50 + 100 − 80 in all


def test_a_credit_alone_waits_for_a_week_with_charges(db):
    cat = factories.user("client")
    clock.freeze(at(2026, 11, 24, 10))
    client_billing.credit_client(cat.id, Money.cu(30), "Late")

    assert client_billing.issue_weekly_invoices("2026-W48") == []
    assert client_billing.issue_weekly_invoices("2026-W49") == []  # carried on again, still nothing due
    assert invoices_of(cat.id) == []


def test_a_week_that_comes_to_nothing_is_settled_without_a_charge(db):
    cat = factories.user("client")
    client_billing.save_card(cat.id, "4242424242424242")
    clock.freeze(at(2026, 11, 24, 10))
    finish(cat.id, None, price_cents=4_000)
    client_billing.credit_client(cat.id, Money.cu(40), "Broken vase")

    (invoice_id,) = client_billing.issue_weekly_invoices("2026-W48")

    assert invoices_of(cat.id) == [("2026-W48", 0, "paid")]
    assert client_billing.unsettled_invoices("2026-W48", 1, 0) == []  # the weekly run has nothing to charge
    assert db.session.scalar(select(func.count()).select_from(SandboxTransfer)) == 0
    assert db.session.get(Invoice, invoice_id).paid_at is not None
