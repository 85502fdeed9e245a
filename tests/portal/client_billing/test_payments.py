"""BI-3, BI-8: paying invoices through the sandbox; never charged twice, retried, then blocked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import client_billing, clock, ledger, notifications
from portal.db import db
from portal.ledger.models import SandboxTransfer
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import at, finish, invoices_of

OK, DECLINED = "4242 4242 4242 4242", "4000000000000002"


@pytest.fixture
def invoice(db):
    """A client with one 100 CU invoice for week 2026-W48."""
    client = factories.user("client", language="ru")
    clock.freeze(at(2026, 11, 24, 10))
    finish(client.id, None)
    clock.freeze(at(2026, 11, 29, 20))
    (invoice_id,) = client_billing.issue_weekly_invoices("2026-W48", cutoff=clock.now())
    yield db.session.get(client_billing.Invoice, invoice_id)
    ledger.script_next_calls()


def executed(key_prefix: str) -> int:
    """How many times the sandbox really moved money for the invoice's keys."""
    return db.session.scalar(select(func.count()).select_from(SandboxTransfer)
                             .where(SandboxTransfer.key.like(key_prefix + "%"), SandboxTransfer.status == "succeeded"))



def templates_sent() -> list[str]:
    return list(db.session.scalars(select(notifications.Email.template).order_by(notifications.Email.id)))


def test_a_good_card_pays_the_invoice_once_and_the_client_is_told_in_their_language(invoice):
    client_billing.save_card(invoice.client_id, OK)
    paid = client_billing.pay_invoice(invoice.id)
    assert (paid.state, paid.tries) == ("paid", 1)
    assert client_billing.paid_total(invoice.client_id) == Money.cu(100)
    assert ledger.balance(ledger.client_account(invoice.client_id)) == Money.zero()
    assert templates_sent() == ["payment_succeeded"]
    email = db.session.scalar(select(notifications.Email))
    assert (email.language, "W48" in email.subject) == ("ru", True)
    assert client_billing.pay_invoice(invoice.id).tries == 1  # paid: nothing more happens


@pytest.mark.parametrize("lost_answer", ["timeout_after", "500_after"])
def test_an_answer_lost_after_the_money_moved_is_resolved_never_charged_twice(invoice, lost_answer):
    client_billing.save_card(invoice.client_id, OK)
    ledger.script_next_calls(lost_answer)
    assert client_billing.pay_invoice(invoice.id).state == "paid"  # the lookup found it
    client_billing.pay_invoice(invoice.id)
    assert executed(f"invoice:{invoice.id}:") == 1
    assert client_billing.paid_total(invoice.client_id) == Money.cu(100)


def test_a_timeout_before_the_provider_saw_the_key_retries_with_the_same_key(invoice):
    client_billing.save_card(invoice.client_id, OK)
    ledger.script_next_calls("timeout_before")
    pending = client_billing.pay_invoice(invoice.id)
    assert (pending.state, pending.tries) == ("open", 1)
    clock.advance(timedelta(minutes=11))
    assert client_billing.retries_due() == [invoice.id]
    retried = client_billing.pay_invoice(invoice.id)
    assert (retried.state, retried.tries) == ("paid", 1)  # the same try, the same key
    assert executed(f"invoice:{invoice.id}:try:1") == 1


def test_duplicated_callbacks_change_nothing(invoice):
    client_billing.save_card(invoice.client_id, OK)
    ledger.script_next_calls("timeout_before")
    client_billing.pay_invoice(invoice.id)
    key = db.session.scalar(select(client_billing.PaymentAttempt.key))
    answer = ledger.Outcome(ledger.SUCCEEDED, "sbx-callback")
    client_billing.record_outcome(key, answer)
    client_billing.record_outcome(key, answer)
    client_billing.record_outcome(key, ledger.Outcome(ledger.DECLINED, reason="declined"))
    assert invoices_of(invoice.client_id)[0].state == "paid"
    assert client_billing.paid_total(invoice.client_id) == Money.cu(100)
    assert templates_sent() == ["payment_succeeded"]


def test_a_declined_card_is_retried_on_the_next_days_then_blocks_booking_until_paid(invoice):
    client_id = invoice.client_id
    client_billing.save_card(client_id, DECLINED)
    assert client_billing.pay_invoice(invoice.id).state == "open"
    for _ in range(2):
        assert client_billing.retries_due() == []
        clock.advance(timedelta(days=1))
        (due,) = client_billing.retries_due()
        client_billing.pay_invoice(due)
    unpaid = invoices_of(client_id)[0]
    assert (unpaid.state, unpaid.tries, unpaid.last_failure) == ("unpaid", 3, "declined")
    assert not client_billing.may_book(client_id)
    clock.advance(timedelta(days=1))
    assert client_billing.retries_due() == []  # no more automatic tries
    assert templates_sent() == ["payment_failed"] * 3
    client_billing.save_card(client_id, OK)
    assert client_billing.pay_invoice(unpaid.id, by_client=client_id).state == "paid"
    assert client_billing.may_book(client_id)


def test_a_processing_error_counts_as_a_failed_try(invoice):
    client_billing.save_card(invoice.client_id, "4000 0000 0000 0119")
    failed = client_billing.pay_invoice(invoice.id)
    assert (failed.state, failed.last_failure) == ("open", "processing_error")


def test_without_a_card_the_try_fails_and_says_so(invoice):
    failed = client_billing.pay_invoice(invoice.id)
    assert (failed.state, failed.last_failure) == ("open", "no_card")


def test_a_client_cannot_pay_someone_else_s_invoice(invoice):
    from portal.errors import NotFound

    with pytest.raises(NotFound):
        client_billing.pay_invoice(invoice.id, by_client=factories.user("client").id)


def test_the_card_is_kept_as_brand_last_four_and_a_token(db):
    client = factories.user("client")
    card = client_billing.save_card(client.id, "5555 5555 5555 4444")
    assert (card.brand, card.last4) == ("Mastercard", "4444")
    assert "5555555555554444" not in card.token
    with pytest.raises(Exception, match="test card"):
        client_billing.save_card(client.id, "1234 5678 9012 3456")
