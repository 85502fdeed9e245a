"""Any sequence of orders finishing, bonuses, weekly and monthly runs, cards that fail and
retries keeps the books exact: after every step each entry sums to zero, every account's
balance is what the business facts say it must be, and every invoice and payout holds exactly
the charges or lines of its period (and was paid at most once)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from jobs.billing import monthly, weekly
from portal import client_billing, clock, ledger, worker_billing
from portal.client_billing import loyalty_discount_percent
from portal.db import db
from portal.ledger.models import SandboxTransfer
from portal.money import Money
from tests import factories
from tests.conftest import _empty_tables
from tests.portal.ledger.billing import finish

START = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday
CARDS = {"good": "4242424242424242", "declined": "4000000000000002", "error": "4000000000000119"}
LOST = ["timeout_before", "timeout_after", "500_after", "processing_error"]


@dataclass
class ModelCharge:
    order_id: int
    client_id: int
    price: Money
    discount: Money
    at: datetime
    invoice_id: int | None = None

    @property
    def amount(self) -> Money:
        return self.price - self.discount


@dataclass
class ModelLine:
    worker_id: int
    amount: Money  # signed: a fine is negative
    kind: str
    at: datetime
    payout_id: int | None = None


class Books(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        _empty_tables()
        ledger.script_next_calls()
        clock.freeze(START)
        self.manager = factories.user("manager")
        self.clients = [factories.user("client").id for _ in range(2)]
        self.workers = [factories.user("worker").id for _ in range(2)]
        self.charges: list[ModelCharge] = []
        self.lines: list[ModelLine] = []
        self.week = weekly().latest_due(START)
        self.month = monthly().latest_due(START)
        self.carry: dict[int, Money] = {}  # worker → debt carried out of the last month run
        self.expected_payouts: dict[int, tuple[Money, Money]] = {}  # payout → (amount, carry out)

    # -- the business happening ------------------------------------------------------------

    @rule(client=st.integers(0, 1), worker=st.integers(0, 1),
          outcome=st.sampled_from(["completed", "cancelled", "failed"]),
          price=st.integers(1, 900_000), times=st.integers(1, 3))
    def order_finishes(self, client, worker, outcome, price, times):
        client_id, worker_id = self.clients[client], self.workers[worker]
        paid = self._paid_total(client_id)
        order_id = finish(client_id, worker_id, outcome, price_cents=price, times=times)
        if outcome != "failed":
            discount = Money(price).percent(loyalty_discount_percent(paid))
            self.charges.append(ModelCharge(order_id, client_id, Money(price), discount, clock.now()))
        if outcome == "completed":
            self.lines.append(ModelLine(worker_id, Money(price).percent(60), "earning", clock.now()))
        elif outcome == "failed":
            self.lines.append(ModelLine(worker_id, -Money.cu(40), "fine", clock.now()))

    @rule(worker=st.integers(0, 1), cents=st.integers(1, 50_000))
    def bonus(self, worker, cents):
        worker_billing.give_bonus(self.workers[worker], Money(cents), "Good cat", by=self.manager)
        self.lines.append(ModelLine(self.workers[worker], Money(cents), "bonus", clock.now()))

    @rule(hours=st.integers(1, 60))
    def time_passes(self, hours):
        clock.advance(timedelta(hours=hours))

    @rule(client=st.integers(0, 1), card=st.sampled_from(["good", "declined", "error", None]))
    def client_changes_card(self, client, card):
        if card is None:
            client_billing.remove_card(self.clients[client])
        else:
            client_billing.save_card(self.clients[client], CARDS[card])

    @rule(behaviours=st.lists(st.sampled_from(LOST), max_size=3))
    def provider_misbehaves(self, behaviours):
        ledger.script_next_calls(*behaviours)

    # -- the runs --------------------------------------------------------------------------

    @rule()
    def weekly_run(self):
        cadence = weekly()
        self.week = cadence.next_key(self.week)
        cutoff = cadence.due_at(self.week)
        clock.freeze(max(clock.now(), cutoff))
        ids = client_billing.issue_weekly_invoices(self.week, cutoff)
        by_client = {db.session.get(client_billing.Invoice, i).client_id: i for i in ids}
        for charge in self.charges:
            if charge.invoice_id is None and charge.at < cutoff:
                charge.invoice_id = by_client[charge.client_id]
        assert set(by_client) == {c.client_id for c in self.charges if c.invoice_id in ids}
        for invoice_id in ids:
            client_billing.pay_invoice(invoice_id)

    @rule()
    def monthly_run(self):
        cadence = monthly()
        previous, self.month = self.month, cadence.next_key(self.month)
        cutoff = cadence.due_at(self.month)
        clock.freeze(max(clock.now(), cutoff))
        ids = worker_billing.create_payouts(self.month, previous, cutoff)
        by_worker = {db.session.get(worker_billing.Payout, i).worker_id: i for i in ids}
        net: dict[int, Money] = defaultdict(Money.zero)
        for worker_id, debt in self.carry.items():
            net[worker_id] += debt
        for line in self.lines:
            if line.payout_id is None and line.at < cutoff:
                line.payout_id = by_worker[line.worker_id]
                net[line.worker_id] += line.amount
        assert set(by_worker) == {w for w in net if w in by_worker} and set(net) <= set(by_worker)
        self.carry = {w: total for w, total in net.items() if total.cents < 0}
        for worker_id, total in net.items():
            self.expected_payouts[by_worker[worker_id]] = (max(total, Money.zero()), min(total, Money.zero()))
        for payout_id in ids:
            worker_billing.pay_payout(payout_id)

    @rule()
    def retries_next_day(self):
        clock.advance(timedelta(days=1))
        for invoice_id in client_billing.retries_due():
            client_billing.pay_invoice(invoice_id)
        for payout_id in worker_billing.retries_due():
            worker_billing.pay_payout(payout_id)

    @rule(client=st.integers(0, 1))
    def client_pays_now(self, client):
        for invoice in self._invoices():
            if invoice.client_id == self.clients[client] and invoice.state != "paid":
                client_billing.pay_invoice(invoice.id, by_client=invoice.client_id)

    # -- what must always hold -------------------------------------------------------------

    def _invoices(self):
        db.session.expire_all()
        return list(db.session.scalars(select(client_billing.Invoice)))

    def _payouts(self):
        return list(db.session.scalars(select(worker_billing.Payout)))

    def _paid_total(self, client_id: int) -> Money:
        paid = {i.id for i in self._invoices() if i.state == "paid" and i.client_id == client_id}
        return sum((c.amount for c in self.charges if c.invoice_id in paid), Money.zero())

    @invariant()
    def every_entry_sums_to_zero(self):
        assert ledger.unbalanced_entries() == []
        assert ledger.total_of_all_postings() == Money.zero()
        assert client_billing.problems() == [] and worker_billing.problems() == []

    @invariant()
    def invoices_hold_exactly_their_period_s_charges_and_are_paid_at_most_once(self):
        for invoice in self._invoices():
            mine = [c for c in self.charges if c.invoice_id == invoice.id]
            assert invoice.amount_cents == sum(c.amount.cents for c in mine)
            held = set(db.session.scalars(select(client_billing.Charge.order_id)
                                          .where(client_billing.Charge.invoice_id == invoice.id)))
            assert held == {c.order_id for c in mine}
            assert self._succeeded(f"invoice:{invoice.id}:") == (invoice.state == "paid")
        for charge in self.charges:
            stored = db.session.scalar(select(client_billing.Charge)
                                       .where(client_billing.Charge.order_id == charge.order_id))
            assert (stored.amount_cents, stored.discount_cents) == (charge.amount.cents, charge.discount.cents)

    @invariant()
    def payouts_hold_exactly_their_month_s_lines_and_are_paid_at_most_once(self):
        for payout in self._payouts():
            amount, carry = self.expected_payouts[payout.id]
            assert (payout.amount_cents, payout.carry_out_cents) == (amount.cents, carry.cents)
            assert payout.state == ("nothing" if not amount else payout.state)
            assert self._succeeded(f"payout:{payout.id}:") == (payout.state == "paid")

    @invariant()
    def every_balance_is_what_the_facts_say(self):
        paid_invoices = {i.id: Money(i.amount_cents) for i in self._invoices() if i.state == "paid"}
        paid_payouts = {p.id: Money(p.amount_cents) for p in self._payouts() if p.state == "paid"}
        expected: dict[str, Money] = defaultdict(Money.zero)
        for c in self.charges:
            expected[ledger.client_account(c.client_id)] += c.amount
            expected[ledger.REVENUE] -= c.price
            expected[ledger.DISCOUNTS] += c.discount
            if c.invoice_id in paid_invoices:
                expected[ledger.client_account(c.client_id)] -= c.amount
                expected[ledger.BANK] += c.amount
        for line in self.lines:
            expected[ledger.worker_account(line.worker_id)] -= line.amount
            counter = {"earning": ledger.WORKER_COSTS, "bonus": ledger.BONUSES, "fine": ledger.FINES}[line.kind]
            expected[counter] += line.amount
        for payout in self._payouts():
            if payout.id in paid_payouts:
                expected[ledger.worker_account(payout.worker_id)] += paid_payouts[payout.id]
                expected[ledger.BANK] -= paid_payouts[payout.id]
        codes = ([ledger.client_account(c) for c in self.clients] + [ledger.worker_account(w) for w in self.workers]
                 + [ledger.REVENUE, ledger.DISCOUNTS, ledger.BANK, ledger.WORKER_COSTS, ledger.BONUSES, ledger.FINES])
        assert ledger.balances(codes) == {code: expected[code] for code in codes}

    def _succeeded(self, key_prefix: str) -> bool:
        count = db.session.scalar(select(func.count()).select_from(SandboxTransfer).where(
            SandboxTransfer.key.like(key_prefix + "%"), SandboxTransfer.status == "succeeded"))
        assert count <= 1, f"{key_prefix} moved money {count} times"
        return count == 1

    def teardown(self):
        ledger.script_next_calls()


def test_the_books_stay_exact_through_any_sequence(db):
    run_state_machine_as_test(Books, settings=settings(
        max_examples=25, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
