"""BI-4, BI-5: 60 % of the list price on completion, a 40 CU fine on failure, managers' bonuses."""

from __future__ import annotations

import pytest

from portal import ledger, worker_billing
from portal.errors import DomainError, Forbidden
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import finish, lines_of


@pytest.mark.parametrize(("price", "earned"), [(10_000, 6_000), (12_345, 7_407), (1, 1), (3, 2)])
def test_a_completed_order_earns_60_percent_of_the_list_price_rounded_half_up(db, price, earned):
    worker = factories.user("worker")
    finish(factories.user("client").id, worker.id, "completed", price)
    assert [line.amount_cents for line in lines_of(worker.id)] == [earned]


def test_a_failed_order_fines_40_cu_and_a_cancelled_one_nothing(db):
    worker = factories.user("worker")
    finish(factories.user("client").id, worker.id, "failed", times=2)
    finish(factories.user("client").id, worker.id, "cancelled")
    assert [(line.kind, line.amount_cents) for line in lines_of(worker.id)] == [("fine", -4_000)]
    assert ledger.balance(ledger.worker_account(worker.id)) == Money.cu(40)
    assert ledger.balance(ledger.FINES) == Money.cu(-40)


def test_a_bonus_records_who_gave_it_and_why(db):
    worker, manager = factories.user("worker"), factories.user("manager", name="Boss Cat")
    worker_billing.give_bonus(worker.id, Money.cu(25), "Saved the goldfish", by=manager)
    (line,) = lines_of(worker.id)
    assert (line.kind, line.amount_cents, line.reason, line.given_by_name) == (
        "bonus", 2_500, "Saved the goldfish", "Boss Cat")
    assert ledger.balance(ledger.worker_account(worker.id)) == Money.cu(-25)


@pytest.mark.parametrize(("amount", "reason", "field"), [(Money(0), "x", "amount"), (Money(100), " ", "reason")])
def test_a_bonus_needs_an_amount_and_a_reason(db, amount, reason, field):
    worker, manager = factories.user("worker"), factories.user("manager")
    with pytest.raises(DomainError) as refused:
        worker_billing.give_bonus(worker.id, amount, reason, by=manager)
    assert refused.value.field == field
    assert lines_of(worker.id) == []


def test_a_bonus_past_the_upper_bound_is_refused(db):
    worker, manager = factories.user("worker"), factories.user("manager")
    with pytest.raises(DomainError) as refused:
        worker_billing.give_bonus(worker.id, worker_billing.MAX_BONUS + Money(1), "Too generous", by=manager)
    assert refused.value.field == "amount"
    worker_billing.give_bonus(worker.id, worker_billing.MAX_BONUS, "Generous", by=manager)
    assert [line.amount_cents for line in lines_of(worker.id)] == [worker_billing.MAX_BONUS.cents]


@pytest.mark.parametrize("giver", ["client", "worker", "warehouse", "deactivated manager"])
def test_only_an_active_manager_gives_a_bonus_whoever_calls_the_operation(db, giver):
    worker = factories.user("worker")
    by = (factories.user("manager", active=False) if giver == "deactivated manager"
          else factories.user(giver))
    with pytest.raises(Forbidden):
        worker_billing.give_bonus(worker.id, Money.cu(5), "Sneaky", by=by)
    assert lines_of(worker.id) == []
    assert ledger.balance(ledger.worker_account(worker.id)) == Money(0)
