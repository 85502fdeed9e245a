"""Racing on a betting pool leaves one result: ten clicks on "place bet" make one bet, ten
deliveries of the order's end at once settle the pool once (real threads, both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import bets, clock
from portal.money import Money
from tests import factories
from tests.portal.bets.factories import accepted_order
from tests.racing import RACERS, browsers, race, race_same

pytestmark = pytest.mark.usefixtures("kits_handed_out")


def _open_book():
    order = accepted_order()
    bets.open_book(order.id, order.assigned_at)
    return order


def test_ten_clicks_on_place_bet_make_one_bet(app, db, client, login_as):
    me = login_as("manager")
    order_id = _open_book().id
    tabs = browsers(app, client)
    url = f"/manager/bets/orders/{order_id}"

    pages = race(app, *[(lambda tab=tab: tab.post(url, data={"outcome": "completed", "stake": "5"}))
                        for tab in tabs])

    assert [p.status_code for p in pages] == [303] * RACERS  # each one: "Your bet is in."
    placed = list(db.session.scalars(select(bets.Bet).where(bets.Bet.order_id == order_id)))
    assert [(b.manager_id, b.outcome, b.stake_cents) for b in placed] == [(me.id, "completed", 500)]


def test_ten_deliveries_of_the_end_at_once_settle_the_pool_once(app, db):
    order = _open_book()
    managers = [factories.user("manager") for _ in range(2)]
    bets.place_bet(order.id, managers[0], "completed", Money.cu(30))
    bets.place_bet(order.id, managers[1], "failed", Money.cu(10))
    order_id, finished_at = order.id, clock.now()

    results = race_same(app, lambda: bets.settle_book(order_id, "completed", finished_at))

    settlements = [r for r in results if isinstance(r, bets.Settlement)]
    assert len(settlements) == 1 and results.count(None) == RACERS - 1, results
    assert settlements[0].payouts == {managers[0].id: Money.cu(40), managers[1].id: Money.zero()}
    assert db.session.get(bets.BetBook, order_id).pool_cents == 4_000
