"""The betting pool: bets from acceptance to check-in, one settlement, totals and the house bank."""

from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal import bets, clock
from portal.errors import Conflict, DomainError
from portal.money import Money
from tests import factories
from tests.portal.bets.factories import accepted_order, cancel, check_in, complete, fail

pytestmark = pytest.mark.usefixtures("kits_handed_out")

stakes = st.lists(st.tuples(st.sampled_from(bets.OUTCOMES), st.integers(1, 1_000_000)),
                  min_size=1, max_size=30)


@settings(max_examples=300)
@given(stakes, st.sampled_from(bets.OUTCOMES))
def test_the_payouts_add_up_to_the_pool_and_each_is_within_a_hundredth_of_exact(placed, outcome):
    pool = sum(c for _, c in placed)
    backed = sum(c for o, c in placed if o == outcome)
    payouts, house = bets.divide_pool([(o, Money(c)) for o, c in placed], outcome)
    assert sum(p.cents for p in payouts) + house.cents == pool
    for (o, c), payout in zip(placed, payouts):
        exact = Fraction(pool * c, backed) if o == outcome else Fraction(0)
        assert abs(payout.cents - exact) < 1
    assert house == (Money.zero() if backed else Money(pool))


def opened(order):
    bets.open_book(order.id, order.assigned_at)
    return order


def test_managers_bet_change_and_withdraw_until_check_in(db):
    order = opened(accepted_order())
    alice, bob = factories.user("manager"), factories.user("manager")
    bets.place_bet(order.id, alice, "completed", Money.cu(10))
    bets.place_bet(order.id, bob, "failed", Money.cu(30))
    bets.place_bet(order.id, alice, "cancelled", Money.cu(20))  # changes her bet
    view = bets.book_view(order.id)
    assert view.is_open and view.pool == Money.cu(50)
    by_outcome = {o.outcome: o for o in view.outcomes}
    assert by_outcome["completed"].stakes == Money.zero() and by_outcome["completed"].odds is None
    assert by_outcome["cancelled"].odds == 2.5 and by_outcome["failed"].odds == Fraction(5, 3).__round__(2)
    bets.withdraw_bet(order.id, bob)
    assert bets.book_view(order.id).pool == Money.cu(20)


def test_no_bets_before_acceptance_or_after_check_in(db):
    manager = factories.user("manager")
    order = accepted_order()
    with pytest.raises(Conflict):  # accepted, but the event has not reached bets yet
        bets.place_bet(order.id, manager, "completed", Money.cu(5))
    opened(order)
    bets.place_bet(order.id, manager, "completed", Money.cu(5))
    check_in(order)
    # Closed even before order.started reaches the bets consumer...
    with pytest.raises(Conflict):
        bets.place_bet(order.id, manager, "failed", Money.cu(5))
    bets.close_book(order.id, clock.now())
    # ...and after it: no change, no withdrawal.
    with pytest.raises(Conflict):
        bets.withdraw_bet(order.id, manager)
    assert bets.book_view(order.id).state == "closed"
    assert bets.book_view(order.id).bet_of(manager.id).outcome == "completed"


@pytest.mark.parametrize(("stake", "outcome", "field"), [
    (Money.zero(), "completed", "stake"), (Money.cu(-1), "completed", "stake"),
    (bets.MAX_STAKE + Money(1), "completed", "stake"), (Money.cu(1), "eaten by a dog", "outcome"),
])
def test_a_bad_bet_is_refused_next_to_its_field(db, stake, outcome, field):
    order = opened(accepted_order())
    with pytest.raises(DomainError) as refused:
        bets.place_bet(order.id, factories.user("manager"), outcome, stake)
    assert refused.value.field == field
    assert bets.book_view(order.id).bets == []


def test_only_managers_bet(db):
    order = opened(accepted_order())
    with pytest.raises(DomainError):
        bets.place_bet(order.id, factories.user("client"), "completed", Money.cu(5))


def test_the_winners_share_the_whole_pool_in_proportion(db):
    order = opened(accepted_order())
    a, b, c = (factories.user("manager") for _ in range(3))
    bets.place_bet(order.id, a, "completed", Money(100))
    bets.place_bet(order.id, b, "completed", Money(200))
    bets.place_bet(order.id, c, "failed", Money(1))
    complete(order)
    settled = bets.settle_book(order.id, "completed", clock.now())
    # 301 split 1:2 → 100.33 and 200.67: largest remainder gives the odd hundredth to b.
    assert settled.payouts == {a.id: Money(100), b.id: Money(201), c.id: Money(0)}
    assert settled.house == Money.zero()
    assert bets.book_view(order.id).settled
    board = {t.manager_id: t for t in bets.leaderboard()}
    assert board[b.id].won == Money(1) and board[c.id].lost == Money(1) and board[c.id].net == Money(-1)
    assert bets.house_bank() == Money.zero()


def test_without_a_winner_the_pool_goes_to_the_house_bank(db):
    order = opened(accepted_order())
    manager = factories.user("manager")
    bets.place_bet(order.id, manager, "completed", Money.cu(7))
    fail(order)
    settled = bets.settle_book(order.id, "failed", clock.now())
    assert settled.house == Money.cu(7)
    assert bets.house_bank() == Money.cu(7)
    assert bets.leaderboard()[0].lost == Money.cu(7)


def test_a_second_settlement_changes_nothing(db):
    order = opened(accepted_order())
    manager = factories.user("manager")
    bets.place_bet(order.id, manager, "cancelled", Money.cu(3))
    cancel(order)
    assert bets.settle_book(order.id, "cancelled", clock.now()) is not None
    clock.advance(timedelta(minutes=5))
    assert bets.settle_book(order.id, "completed", clock.now()) is None
    view = bets.book_view(order.id)
    assert view.outcome == "cancelled" and view.bet_of(manager.id).payout_cents == 300


def test_an_order_finished_before_its_book_opened_stays_without_bets(db):
    order = accepted_order()
    cancel(order)
    bets.settle_book(order.id, "cancelled", clock.now())
    bets.open_book(order.id, order.assigned_at)  # the late acceptance news
    assert bets.book_view(order.id).state == "settled"
