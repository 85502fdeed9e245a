"""The bet slip on the managers' order page and the leaderboard."""

import pytest

from portal import bets, clock
from portal.money import Money
from tests import factories
from tests.portal.bets.factories import accepted_order, cancel

pytestmark = pytest.mark.usefixtures("kits_handed_out")
from tests.portal.bets.factories import kits_handed_out  # noqa: E402,F401


def test_a_manager_bets_from_the_order_page_and_sees_the_pool_and_odds(client, login_as, db):
    manager = login_as("manager")
    order = accepted_order()
    bets.open_book(order.id, order.assigned_at)
    bets.place_bet(order.id, factories.user("manager", name="Tom"), "failed", Money.cu(30))
    page = client.get(f"/manager/orders/{order.id}").get_data(as_text=True)
    assert "The rules" in page and "house bank" in page
    response = client.post(f"/manager/bets/orders/{order.id}", data={"outcome": "completed", "stake": "10"})
    assert response.status_code == 303
    pool = client.get(f"/manager/bets/orders/{order.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "40.00" in pool and "×4.00" in pool and "×1.33" in pool and "Tom" in pool
    assert bets.book_view(order.id).bet_of(manager.id).stake_cents == 1000


def test_a_bad_stake_is_shown_next_to_the_field(client, login_as, db):
    login_as("manager")
    order = accepted_order()
    bets.open_book(order.id, order.assigned_at)
    response = client.post(f"/manager/bets/orders/{order.id}", data={"outcome": "completed", "stake": "lots"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Enter a stake like 10 or 2.50." in response.get_data(as_text=True)


def test_polling_stops_once_the_book_is_settled(client, login_as, db):
    login_as("manager")
    order = accepted_order()
    bets.open_book(order.id, order.assigned_at)
    cancel(order)
    bets.settle_book(order.id, "cancelled", clock.now())
    response = client.get(f"/manager/bets/orders/{order.id}", headers={"HX-Request": "true"})
    assert response.status_code == 286 and "hx-trigger" not in response.get_data(as_text=True)


def test_the_leaderboard_shows_net_results_and_the_house_bank(client, login_as, db):
    login_as("manager")
    order = accepted_order()
    bets.open_book(order.id, order.assigned_at)
    bets.place_bet(order.id, factories.user("manager", name="Loser Cat"), "completed", Money.cu(8))
    cancel(order)
    bets.settle_book(order.id, "cancelled", clock.now())
    page = client.get("/manager/bets").get_data(as_text=True)
    assert "Loser Cat" in page and "−8.00" in page and "The house bank holds 8.00" in page


def test_a_stake_past_64_bits_gets_a_message(client, login_as, db):
    login_as("manager")
    order = accepted_order()
    bets.open_book(order.id, order.assigned_at)
    response = client.post(f"/manager/bets/orders/{order.id}", data={"outcome": "completed",
                                                                     "stake": "99999999999999999999"})
    assert response.status_code == 200
    assert "At most 10 000.00 CU." in response.get_data(as_text=True).replace("\u00a0", " ")
    assert bets.book_view(order.id).bets == []
