"""Any sequence of book / match / cancel / check-in / finish / sweep / rebook keeps the invariants:
no worker in two overlapping orders, nothing leaves a final state, one order.finished per
finished order, and every order's timeline is an unbroken chain of its transitions."""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import select

from portal import clock, orders, warehouse
from portal.db import db
from portal.errors import DomainError
from portal.events import OutboxEvent
from tests import factories
from tests.conftest import _empty_tables
from tests.portal.orders.factories import photo, service_type
from tests.portal.warehouse.factories import issued_kit

START = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)


def _user(user_id):
    return db.session.get(factories.User, user_id)


class OrderLifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        _empty_tables()
        clock.freeze(START)
        self.service_id = service_type().id
        self.clients = [factories.user("client").id for _ in range(2)]
        self.workers = [factories.user("worker").id for _ in range(2)]
        self.staff = factories.user("warehouse").id
        self.final_seen: dict[int, str] = {}

    def _order_ids(self):
        return list(db.session.scalars(select(orders.Order.id).order_by(orders.Order.id)))

    def _pick(self, index):
        ids = self._order_ids()
        return db.session.get(orders.Order, ids[index % len(ids)]) if ids else None

    def _try(self, fn, *args):
        try:
            fn(*args)
        except DomainError:
            pass  # refused: the invariants check that nothing changed
        finally:
            db.session.expire_all()

    @rule(client=st.integers(0, 1), hours_ahead=st.integers(1, 30), hours=st.integers(1, 4))
    def book(self, client, hours_ahead, hours):
        self._try(orders.book_order, _user(self.clients[client]), self.service_id, "Dust",
                  "1 Street", clock.now() + timedelta(hours=hours_ahead), hours)

    @rule()
    def hire(self):
        if len(self.workers) < 4:
            self.workers.append(factories.user("worker").id)

    @precondition(lambda self: self._order_ids())
    @rule(index=st.integers(0, 50))
    def match(self, index):
        self._try(orders.match_order, self._pick(index).id)

    @precondition(lambda self: self._order_ids())
    @rule(index=st.integers(0, 50))
    def cancel(self, index):
        order = self._pick(index)
        self._try(orders.cancel_order, order.id, _user(order.client_id))

    @precondition(lambda self: self._order_ids())
    @rule(index=st.integers(0, 50))
    def issue_kit(self, index):
        """The warehouse hands over an assigned order's kit (check-in needs it)."""
        order = self._pick(index)
        if order.state == "assigned" and not warehouse.kit_issued(order.id):
            issued_kit(order, _user(self.staff))
        db.session.expire_all()

    @precondition(lambda self: self._order_ids())
    @rule(index=st.integers(0, 50), own=st.booleans())
    def check_in(self, index, own):
        order = self._pick(index)
        worker = order.worker_id if own and order.worker_id else self.workers[0]
        self._try(orders.check_in, order.id, _user(worker), photo())

    @precondition(lambda self: self._order_ids())
    @rule(index=st.integers(0, 50))
    def finish(self, index):
        order = self._pick(index)
        self._try(orders.finish_order, order.id, _user(order.worker_id or self.workers[0]), photo())

    @rule(minutes=st.sampled_from([5, 25, 31, 60, 240]))
    def time_passes(self, minutes):
        clock.advance(timedelta(minutes=minutes))

    @rule()
    def sweep(self):
        orders.fail_no_shows()
        db.session.expire_all()

    @precondition(lambda self: self._order_ids())
    @rule(index=st.integers(0, 50), days=st.integers(1, 3))
    def rebook(self, index, days):
        order = self._pick(index)
        self._try(orders.rebook_order, order.id, _user(order.client_id), clock.now() + timedelta(days=days))

    @invariant()
    def no_worker_in_two_overlapping_orders(self):
        busy = db.session.execute(select(orders.Order.worker_id, orders.Order.starts_at, orders.Order.ends_at)
                                  .where(orders.Order.state.in_(orders.BUSY_STATES))).all()
        for i, a in enumerate(busy):
            for b in busy[i + 1:]:
                assert not (a.worker_id == b.worker_id and a.starts_at < b.ends_at and b.starts_at < a.ends_at)

    @invariant()
    def nothing_leaves_a_final_state(self):
        for order_id, state in db.session.execute(select(orders.Order.id, orders.Order.state)):
            if order_id in self.final_seen:
                assert state == self.final_seen[order_id]
            elif state in orders.FINAL_STATES:
                self.final_seen[order_id] = state

    @invariant()
    def one_finished_event_per_finished_order(self):
        counts: dict[int, list[str]] = {}
        for payload in db.session.scalars(select(OutboxEvent.payload).where(OutboxEvent.name == "order.finished")):
            counts.setdefault(payload["order_id"], []).append(payload["outcome"])
        for order_id, state in db.session.execute(select(orders.Order.id, orders.Order.state)):
            assert counts.get(order_id, []) == ([state] if state in orders.FINAL_STATES else [])

    @invariant()
    def timeline_is_a_chain_ending_in_the_current_state(self):
        entries = db.session.scalars(select(orders.TimelineEntry).where(orders.TimelineEntry.to_state.is_not(None))
                                     .order_by(orders.TimelineEntry.id)).all()
        chains: dict[int, list] = {}
        for e in entries:
            chains.setdefault(e.order_id, []).append(e)
        for order_id, state in db.session.execute(select(orders.Order.id, orders.Order.state)):
            chain = chains[order_id]
            assert chain[0].kind == "booked" and chain[0].to_state == "awaiting_worker"
            for before, after in zip(chain, chain[1:]):
                assert after.from_state == before.to_state
            assert chain[-1].to_state == state


def test_the_lifecycle_keeps_its_invariants(db):
    run_state_machine_as_test(OrderLifecycle, settings=settings(
        max_examples=30, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
