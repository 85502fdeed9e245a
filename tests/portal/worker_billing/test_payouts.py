"""BI-6, BI-7: one payout per worker and month; a negative month carries its debt; paid once."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import clock, ledger, notifications, worker_billing
from portal.db import db
from portal.ledger.models import SandboxTransfer
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import at, finish

NOV_END, DEC_END = at(2026, 11, 30, 20), at(2026, 12, 31, 20)


def payouts(worker_id: int) -> list:
    return list(db.session.scalars(select(worker_billing.Payout).where(worker_billing.Payout.worker_id == worker_id)
                                   .order_by(worker_billing.Payout.month_key)))


def run(month: str, previous: str, cutoff) -> None:
    clock.freeze(cutoff)
    for payout_id in worker_billing.create_payouts(month, previous, cutoff):
        worker_billing.pay_payout(payout_id)


def test_the_month_pays_earnings_plus_bonuses_less_fines_once(db):
    worker, manager = factories.user("worker"), factories.user("manager")
    clock.freeze(at(2026, 11, 10))
    finish(factories.user("client").id, worker.id, "completed", 10_000)   # +60
    finish(factories.user("client").id, worker.id, "failed")              # −40
    worker_billing.give_bonus(worker.id, Money.cu(15), "Extra mice", by=manager)  # +15
    run("2026-11", "2026-10", NOV_END)
    run("2026-11", "2026-10", NOV_END)  # again: nothing new
    (payout,) = payouts(worker.id)
    assert (payout.earned_cents, payout.bonuses_cents, payout.fines_cents, payout.amount_cents, payout.state) == (
        6_000, 1_500, 4_000, 3_500, "paid")
    assert ledger.balance(ledger.worker_account(worker.id)) == Money.zero()
    assert list(db.session.scalars(select(notifications.Email.template))) == ["payout_paid"]


def test_a_negative_month_pays_nothing_carries_the_debt_and_is_not_emailed(db):
    worker = factories.user("worker")
    clock.freeze(at(2026, 11, 10))
    finish(factories.user("client").id, worker.id, "failed")   # −40
    run("2026-11", "2026-10", NOV_END)
    clock.freeze(at(2026, 12, 10))
    finish(factories.user("client").id, worker.id, "completed", 10_000)  # +60
    run("2026-12", "2026-11", DEC_END)
    nov, dec = payouts(worker.id)
    assert (nov.amount_cents, nov.carry_out_cents, nov.state) == (0, -4_000, "nothing")
    assert (dec.carried_in_cents, dec.amount_cents, dec.state) == (-4_000, 2_000, "paid")
    assert db.session.scalar(select(func.count()).select_from(notifications.Email)) == 1


def test_a_debt_is_carried_through_a_month_without_work(db):
    worker = factories.user("worker")
    clock.freeze(at(2026, 10, 10))
    finish(factories.user("client").id, worker.id, "failed")
    run("2026-10", "2026-09", at(2026, 10, 31, 20))
    run("2026-11", "2026-10", NOV_END)
    assert [(p.month_key, p.carry_out_cents) for p in payouts(worker.id)] == [("2026-10", -4_000), ("2026-11", -4_000)]


def test_a_payout_whose_answer_was_lost_is_paid_once(db):
    worker = factories.user("worker")
    clock.freeze(at(2026, 11, 10))
    finish(factories.user("client").id, worker.id, "completed", 10_000)
    ledger.script_next_calls("500_after")
    run("2026-11", "2026-10", NOV_END)
    (payout,) = payouts(worker.id)
    worker_billing.pay_payout(payout.id)
    assert payout.state == "paid"
    assert db.session.scalar(select(func.count()).select_from(SandboxTransfer)) == 1
    assert ledger.balance(ledger.BANK) == Money.cu(-60)
