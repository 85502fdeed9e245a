"""The ledger: entries sum to zero, a key posts once, postings are never changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal import clock, ledger
from portal.money import Money
from tests import factories
from tests.conftest import ON_POSTGRES


def test_an_entry_moves_money_between_accounts_and_balances_are_sums(db):
    ledger.post("t:1", "charge", [("client:1", Money(900)), (ledger.DISCOUNTS, Money(100)),
                                  (ledger.REVENUE, Money(-1000))])
    ledger.post("t:2", "payment", [(ledger.BANK, Money(900)), ("client:1", Money(-900))])
    db.session.commit()
    assert ledger.balance("client:1") == Money(0)
    assert ledger.balance("client:1", kind="payment") == Money(-900)
    assert ledger.balances(["client:1", ledger.REVENUE, "client:2"]) == {
        "client:1": Money(0), ledger.REVENUE: Money(-1000), "client:2": Money(0)}
    assert ledger.total_of_all_postings() == Money(0)
    assert ledger.unbalanced_entries() == []


def test_an_entry_that_does_not_sum_to_zero_is_refused_and_writes_nothing(db):
    with pytest.raises(ledger.Unbalanced):
        ledger.post("t:bad", "charge", [("client:1", Money(900)), (ledger.REVENUE, Money(-1000))])
    assert ledger.balance("client:1") == Money(0)


def test_the_same_key_posts_once(db):
    lines = [(ledger.BANK, Money(500)), ("client:3", Money(-500))]
    assert ledger.post("pay:once", "payment", lines) is not None
    assert ledger.post("pay:once", "payment", lines) is None
    db.session.commit()
    assert ledger.balance("client:3") == Money(-500)


def test_the_database_refuses_to_change_a_posting(db):
    ledger.post("t:3", "payment", [(ledger.BANK, Money(500)), ("client:4", Money(-500))])
    db.session.commit()
    with pytest.raises((IntegrityError, DBAPIError)):
        db.session.execute(text("UPDATE ledger_postings SET amount_cents = 1"))
        db.session.commit()
    db.session.rollback()
    assert ledger.balance("client:4") == Money(-500)


@pytest.mark.skipif(not ON_POSTGRES, reason="the deferred constraint trigger is PostgreSQL's")
def test_postgres_refuses_to_commit_an_unbalanced_entry_written_around_the_code(db):
    ledger.post("t:4", "payment", [(ledger.BANK, Money(500)), ("client:5", Money(-500))])
    db.session.commit()
    entry_id = db.session.scalar(text("SELECT id FROM ledger_entries WHERE key = 't:4'"))
    account_id = db.session.scalar(text("SELECT id FROM ledger_accounts WHERE code = 'bank'"))
    db.session.execute(text("INSERT INTO ledger_postings (entry_id, account_id, amount_cents) VALUES (:e, :a, 1)"),
                       {"e": entry_id, "a": account_id})
    with pytest.raises(DBAPIError, match="does not sum to zero"):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(DBAPIError, match="never changed"):
        db.session.execute(text("DELETE FROM ledger_postings"))
    db.session.rollback()


def test_the_conservation_check_finds_nothing_after_a_week_and_a_month_of_billing(db):
    from portal import client_billing, worker_billing
    from tests.portal.ledger.billing import finish

    client, worker = factories.user("client"), factories.user("worker")
    client_billing.save_card(client.id, "4242424242424242")
    finish(client.id, worker.id, "completed", 12_345)
    finish(client.id, worker.id, "failed")
    worker_billing.give_bonus(worker.id, Money(1), "a penny", by=factories.user("manager"))
    for invoice_id in client_billing.issue_weekly_invoices(client_billing.billing_week(clock.now())):
        client_billing.pay_invoice(invoice_id)
    for payout_id in worker_billing.create_payouts("2099-01", "2098-12", clock.now() + timedelta(seconds=1)):
        worker_billing.pay_payout(payout_id)
    assert client_billing.problems() == worker_billing.problems() == ledger.unbalanced_entries() == []


def test_the_conservation_check_names_an_invoice_that_does_not_match_its_charges(db):
    from portal import client_billing
    from tests.portal.ledger.billing import finish

    client = factories.user("client")
    finish(client.id, None)
    (invoice_id,) = client_billing.issue_weekly_invoices(client_billing.billing_week(clock.now()))
    db.session.execute(text("UPDATE invoices SET amount_cents = 1"))
    (finding,) = client_billing.problems()
    assert (finding.code, finding.params["invoice"]) == ("invoice_not_its_charges", invoice_id)
    assert str(finding) == f"Invoice {invoice_id}: 0.01\u00a0CU, but its charges sum to 100.00\u00a0CU."
