"""Disputes (SPEC §14): a line's owner disputes it, a manager confirms it or corrects it with a
new entry in the disputer's favour; the old posting never changes; both sides are emailed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import client_billing, clock, ledger, quality, worker_billing
from portal.db import db
from portal.errors import Conflict, DomainError, NotFound
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import at, charges_of, finish, invoices_of, lines_of
from tests.racing import emails


def _postings() -> list[tuple]:
    return list(db.session.execute(select(ledger.Posting.id, ledger.Posting.entry_id, ledger.Posting.account_id,
                                          ledger.Posting.amount_cents).order_by(ledger.Posting.id)).all())


def _fined_worker():
    worker = factories.user("worker", name="Whiskers", language="ru")
    finish(factories.user("client").id, worker.id, "failed")
    (fine,) = lines_of(worker.id)
    return worker, fine


def test_a_worker_disputes_a_fine_and_the_managers_are_told(db):
    manager = factories.user("manager")
    worker, fine = _fined_worker()

    case = quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "  The client was not home.  ", worker)

    assert (case.reason, case.state, case.entry_key, case.line_kind, case.line_cents) == (
        "dispute", "open", f"fine:order:{fine.order_id}", "fine", -4_000)
    assert (case.worker_id, case.client_id, case.disputed_by, case.complaint) == (
        worker.id, None, worker.id, "The client was not home.")
    assert emails("dispute_managers", to=manager.email) == 1
    assert quality.disputes_for([case.entry_key]) == {case.entry_key: case}
    assert quality.disputes_of(worker.id) == [case]


def test_a_correction_credits_the_worker_this_month_and_leaves_the_fine_as_it_was(db):
    manager = factories.user("manager", name="Boss Cat")
    worker, fine = _fined_worker()
    case = quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "Not my fault", worker)
    before = _postings()

    quality.resolve_dispute(case.id, manager, correct=True, amount=Money.cu(40), note="The bus was late.")

    assert _postings()[:len(before)] == before  # no posting edited or removed
    fine_again, correction = lines_of(worker.id)
    assert (fine_again.kind, fine_again.amount_cents) == ("fine", -4_000)
    assert (correction.kind, correction.amount_cents, correction.reason, correction.given_by_name) == (
        "correction", 4_000, "The bus was late.", "Boss Cat")
    assert ledger.balance(ledger.worker_account(worker.id)) == Money.zero()  # fined 40, credited 40
    assert ledger.balance(ledger.CORRECTIONS) == Money.cu(40)
    assert worker_billing.statement(worker.id).preview == Money.zero()
    assert worker_billing.statement(worker.id).earned == Money.cu(40)
    case = db.session.get(quality.Case, case.id)
    assert (case.state, case.outcome, case.correction_cents, case.closed_by, case.findings) == (
        "closed", "corrected", 4_000, manager.id, "The bus was late.")
    assert case.correction_key == f"correction:{correction.id}"
    assert emails("dispute_result", to=worker.email) == 1
    assert worker_billing.problems() == []


def test_the_month_end_payout_pays_the_correction_as_earnings(db):
    manager = factories.user("manager")
    worker, fine = _fined_worker()
    finish(factories.user("client").id, worker.id, "completed", 10_000)  # earns 60
    case = quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "Not my fault", worker)
    quality.resolve_dispute(case.id, manager, correct=True, amount=Money.cu(40), note="Late bus")

    (payout_id,) = worker_billing.create_payouts("2099-01", "2098-12", clock.now() + timedelta(seconds=1))
    payout = db.session.get(worker_billing.Payout, payout_id)
    assert (payout.earned_cents, payout.fines_cents, payout.amount_cents) == (10_000, 4_000, 6_000)
    assert worker_billing.problems() == []


def test_a_confirmed_line_stays_and_nothing_is_posted(db):
    manager = factories.user("manager")
    worker, fine = _fined_worker()
    case = quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "Not my fault", worker)
    before = _postings()

    quality.resolve_dispute(case.id, manager, correct=False, amount=None, note="You left before the end.")

    assert _postings() == before
    assert [line.kind for line in lines_of(worker.id)] == ["fine"]
    case = db.session.get(quality.Case, case.id)
    assert (case.state, case.outcome, case.correction_cents) == ("closed", "confirmed", None)
    assert emails("dispute_result", to=worker.email) == 1


def test_a_client_credit_comes_off_the_next_invoice(db):
    manager = factories.user("manager")
    client = factories.user("client")
    clock.freeze(at(2026, 11, 23, 9))  # a Monday
    finish(client.id, None, "completed", 10_000)
    (charge,) = charges_of(client.id)
    client_billing.issue_weekly_invoices("2026-W48")
    clock.freeze(at(2026, 11, 30, 9))  # the next Monday
    case = quality.open_dispute(client_billing.statement_charge(client.id, charge.id), "Half was not done", client)

    quality.resolve_dispute(case.id, manager, correct=True, amount=Money.cu(30), note="Only the kitchen was done.")
    finish(client.id, None, "completed", 5_000)
    client_billing.issue_weekly_invoices("2026-W49")

    charged, credit, _next = charges_of(client.id)
    assert (charged.amount_cents, credit.outcome, credit.amount_cents, credit.order_id, credit.note) == (
        10_000, "credit", -3_000, None, "Only the kitchen was done.")
    assert [invoice.amount_cents for invoice in invoices_of(client.id)] == [10_000, 2_000]
    assert ledger.balance(ledger.client_account(client.id)) == Money.cu(120)  # 100 + 50 − 30, nothing paid yet
    assert client_billing.problems() == []
    assert emails("dispute_result", to=client.email) == 1


def test_a_client_is_never_credited_more_than_the_charge_over_all_its_disputes(db):
    manager, client = factories.user("manager"), factories.user("client")
    finish(client.id, None, "completed", 10_000)
    (charge,) = charges_of(client.id)
    line = client_billing.statement_charge(client.id, charge.id)
    first = quality.open_dispute(line, "Too much", client)
    quality.resolve_dispute(first.id, manager, correct=True, amount=Money.cu(70), note="Partly")
    second = quality.open_dispute(line, "Still too much", client)

    with pytest.raises(DomainError) as refused:
        quality.resolve_dispute(second.id, manager, correct=True, amount=Money.cu(31), note="More")
    assert refused.value.field == "amount"
    assert db.session.get(quality.Case, second.id).state == "open"
    quality.resolve_dispute(second.id, manager, correct=True, amount=Money.cu(30), note="The rest")
    assert sum(c.amount_cents for c in charges_of(client.id)) == 0


def test_one_open_dispute_per_line(db):
    worker, fine = _fined_worker()
    line = worker_billing.statement_line(worker.id, fine.id)
    quality.open_dispute(line, "Not my fault", worker)
    with pytest.raises(Conflict):
        quality.open_dispute(line, "Really not", worker)
    assert db.session.scalar(select(func.count()).select_from(quality.Case)) == 1


def test_only_the_owner_finds_a_line_to_dispute(db):
    worker, fine = _fined_worker()
    other = factories.user("worker")
    client = factories.user("client")
    finish(client.id, None)
    (charge,) = charges_of(client.id)
    with pytest.raises(NotFound):
        worker_billing.statement_line(other.id, fine.id)
    with pytest.raises(NotFound):
        client_billing.statement_charge(factories.user("client").id, charge.id)
    with pytest.raises(NotFound):  # the operation checks the disputer too, whoever calls it
        quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "Mine now", other)


@pytest.mark.parametrize(("reason", "why"), [("", "empty"), ("   ", "blank"), ("x" * 1001, "too long")])
def test_a_dispute_needs_a_reason_of_bounded_length(db, reason, why):
    worker, fine = _fined_worker()
    with pytest.raises(DomainError) as refused:
        quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), reason, worker)
    assert refused.value.field == "reason", why
    assert quality.disputes_of(worker.id) == []


def test_a_decision_needs_a_manager_a_reason_and_a_positive_amount_and_happens_once(db):
    manager = factories.user("manager")
    worker, fine = _fined_worker()
    case = quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "Not my fault", worker)
    with pytest.raises(DomainError):
        quality.resolve_dispute(case.id, worker, correct=True, amount=Money.cu(40), note="Self-service")
    with pytest.raises(DomainError):
        quality.resolve_dispute(case.id, manager, correct=True, amount=Money(0), note="Nothing")
    with pytest.raises(DomainError):
        quality.resolve_dispute(case.id, manager, correct=False, amount=None, note=" ")
    quality.resolve_dispute(case.id, manager, correct=False, amount=None, note="Stands")
    with pytest.raises(Conflict):
        quality.resolve_dispute(case.id, manager, correct=True, amount=Money.cu(40), note="Changed my mind")
    assert [line.kind for line in lines_of(worker.id)] == ["fine"]


def test_a_paid_payout_and_a_bonus_can_be_disputed_too(db):
    manager = factories.user("manager")
    worker = factories.user("worker")
    bonus = worker_billing.give_bonus(worker.id, Money.cu(5), "Nice", by=manager)
    case = quality.open_dispute(worker_billing.statement_line(worker.id, bonus.id), "It was 50 we agreed", worker)
    assert (case.entry_key, case.order_id) == (f"bonus:{bonus.id}", None)
    quality.resolve_dispute(case.id, manager, correct=True, amount=Money.cu(45), note="Agreed 50")
    assert ledger.balance(ledger.worker_account(worker.id)) == Money.cu(-50)
    with pytest.raises(NotFound):  # not paid: nothing in the ledger to dispute yet
        worker_billing.statement_payout(worker.id, 10**6)


def test_a_dispute_case_is_not_closed_by_the_quality_result_form(db):
    manager = factories.user("manager")
    worker, fine = _fined_worker()
    case = quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "Not my fault", worker)
    cause = quality.add_cause("Late bus", manager)
    with pytest.raises(Conflict):
        quality.close_case(case.id, manager, client_contacted=False, findings="x", cause_id=cause.id,
                           hypothesis="", worker_at_fault=False)
