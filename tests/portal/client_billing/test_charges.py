"""BI-1: a finished order charges its client the price less the discount at that moment, once."""

from __future__ import annotations

from portal import client_billing, clock, ledger
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import at, charges_of, finish, lines_of


def test_order_finished_delivered_three_times_makes_one_charge_and_one_earning(db):
    client, worker = factories.user("client"), factories.user("worker")
    finish(client.id, worker.id, "completed", 10_000, times=3)
    assert [c.amount_cents for c in charges_of(client.id)] == [10_000]
    assert [(line.kind, line.amount_cents) for line in lines_of(worker.id)] == [("earning", 6_000)]
    assert ledger.balance(ledger.client_account(client.id)) == Money.cu(100)
    assert ledger.balance(ledger.worker_account(worker.id)) == Money.cu(-60)


def test_the_same_payload_applied_twice_directly_still_charges_once(db):
    client = factories.user("client")
    payload = {"order_id": 77, "client_id": client.id, "worker_id": None, "price_cents": 5_000,
               "outcome": "cancelled"}
    assert client_billing.charge_order(payload) is not None
    assert client_billing.charge_order(payload) is None
    assert len(charges_of(client.id)) == 1


def test_a_failed_order_charges_nothing(db):
    client, worker = factories.user("client"), factories.user("worker")
    finish(client.id, worker.id, "failed")
    assert charges_of(client.id) == []


def test_a_cancelled_order_is_charged_and_earns_nothing(db):
    client, worker = factories.user("client"), factories.user("worker")
    finish(client.id, worker.id, "cancelled", 12_345)
    assert [c.amount_cents for c in charges_of(client.id)] == [12_345]
    assert lines_of(worker.id) == []


def test_the_charge_takes_the_discount_the_client_has_when_it_is_made(db):
    """A client who has paid over 10 000 CU pays 5 % less; 123.45 CU → 6.17 CU off (half-up)."""
    client = factories.user("client")
    clock.freeze(at(2026, 11, 23, 9))
    ledger.post("seed:payment", "payment", [(ledger.BANK, Money.cu(10_000) + Money(1)),
                                            (ledger.client_account(client.id), -(Money.cu(10_000) + Money(1)))])
    finish(client.id, None, "completed", 12_345)
    (charge,) = charges_of(client.id)
    assert (charge.discount_percent, charge.discount_cents, charge.amount_cents) == (5, 617, 11_728)
    assert ledger.balance(ledger.DISCOUNTS) == Money(617)
    assert ledger.balance(ledger.REVENUE) == Money(-12_345)


def test_the_client_sees_how_much_more_to_pay_for_the_next_tier():
    assert client_billing.next_tier(Money.zero()) == (5, Money.cu(10_000) + Money(1))
    assert client_billing.next_tier(Money.cu(10_000) + Money(1)) == (6, Money.cu(10_000))
    assert client_billing.next_tier(Money.cu(25_000)) == (7, Money.cu(5_000) + Money(1))
    assert client_billing.next_tier(Money.cu(90_000) + Money(1)) is None
