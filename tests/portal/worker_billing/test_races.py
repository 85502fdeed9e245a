"""Ten payout jobs paying one payout at once (a retry racing the monthly run) pay the worker once."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import clock, ledger, worker_billing
from portal.ledger.models import SandboxTransfer
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import at, finish
from tests.racing import emails, failures, race_same


def test_ten_jobs_paying_one_payout_at_once_pay_it_once(app, db):
    worker = factories.user("worker")
    clock.freeze(at(2026, 11, 10))
    finish(factories.user("client").id, worker.id, "completed", 10_000)  # earns 60
    clock.freeze(at(2026, 11, 30, 20))
    (payout_id,) = worker_billing.create_payouts("2026-11", "2026-10", clock.now())

    results = race_same(app, lambda: worker_billing.pay_payout(payout_id))

    assert failures(results) == []
    assert db.session.get(worker_billing.Payout, payout_id).state == "paid"
    assert db.session.scalar(select(func.count()).select_from(SandboxTransfer)) == 1
    assert ledger.balance(ledger.worker_account(worker.id)) == Money.zero()  # 60 earned, 60 paid
    assert emails("payout_paid", to=worker.email) == 1
