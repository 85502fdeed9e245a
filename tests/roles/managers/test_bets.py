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


def test_odds_are_written_with_the_reader_s_decimal_separator(client, login_as, db):
    login_as("manager", language="ru")
    order = accepted_order()
    bets.open_book(order.id, order.assigned_at)
    bets.place_bet(order.id, factories.user("manager"), "failed", Money.cu(30))
    bets.place_bet(order.id, factories.user("manager"), "completed", Money.cu(10))
    pool = client.get(f"/manager/bets/orders/{order.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "×4,00" in pool and "×1,33" in pool and "×1.33" not in pool


def test_a_stake_past_64_bits_gets_a_message(client, login_as, db):
    login_as("manager")
    order = accepted_order()
    bets.open_book(order.id, order.assigned_at)
    response = client.post(f"/manager/bets/orders/{order.id}", data={"outcome": "completed",
                                                                     "stake": "99999999999999999999"})
    assert response.status_code == 200
    assert "At most 10 000.00 CU." in response.get_data(as_text=True).replace("\u00a0", " ")
    assert bets.book_view(order.id).bets == []


def _section(page: str, table_id: str) -> str:
    start = page.index(f'id="{table_id}"')
    return page[start:page.index("</table>", start)]


def test_the_overview_lists_the_orders_open_for_betting_and_the_manager_s_open_bets(client, login_as, db):
    from zoneinfo import ZoneInfo

    from tests.portal.bets.factories import check_in
    from tests.portal.orders.factories import book, service_type

    me = login_as("manager", time_zone="Europe/Berlin")
    tom = factories.user("manager", name="Tom")
    windows = service_type(name_en="Window washing")

    def accepted(hours_ahead: float, service=None):
        factories.user("worker")
        order = book(service=service, hours_ahead=hours_ahead)
        bets.open_book(order.id, order.assigned_at)
        return order

    later, sooner = accepted(5), accepted(3)
    started = accepted(4, windows)  # its worker checks in: bets close
    settled = accepted(6)
    bets.place_bet(later.id, tom, "failed", Money.cu(30))
    bets.place_bet(later.id, me, "completed", Money.cu(10))
    bets.place_bet(started.id, me, "completed", Money.cu(7))
    cancel(settled)
    bets.settle_book(settled.id, "cancelled", clock.now())
    check_in(started)  # the book is still open until order.started is handled: the order says closed
    later_starts = later.starts_at.astimezone(ZoneInfo("Europe/Berlin"))

    page = client.get("/manager/bets").get_data(as_text=True)

    open_books = _section(page, "open-books")
    assert f"Order #{later.id}<" in open_books and f"Order #{sooner.id}<" in open_books
    assert f"Order #{started.id}<" not in open_books and f"Order #{settled.id}<" not in open_books
    assert open_books.index(f"Order #{sooner.id}<") < open_books.index(f"Order #{later.id}<")  # closes first
    row = open_books[open_books.index(f"Order #{later.id}<"):].split("</tr>")[0]
    assert "40.00" in row and f"{later_starts.day} {later_starts:%b %Y, %H:%M}" in row
    assert "10.00\xa0CU on completed" in row
    mine = _section(page, "my-open-bets")
    assert f"Order #{later.id}<" in mine and "open: you may change it" in mine
    assert f"Order #{started.id}<" in mine and "closed: waiting for the outcome" in mine
    assert "Window washing" in mine and f"Order #{settled.id}<" not in mine


def test_with_no_bets_the_overview_says_so_plainly(client, login_as, db):
    login_as("manager")
    nobody = accepted_order()
    bets.open_book(nobody.id, nobody.assigned_at)
    cancel(nobody)
    bets.settle_book(nobody.id, "cancelled", clock.now())
    page = client.get("/manager/bets").get_data(as_text=True)
    assert "No order with bets has been settled yet." in page and f"Order #{nobody.id}<" not in page
    assert "No order takes bets now" in page and "You have no open bets." in page


def test_an_order_nobody_bet_on_is_not_listed_among_the_settlements(client, login_as, db):
    login_as("manager")
    nobody, somebody = accepted_order(), accepted_order()
    for order in (nobody, somebody):
        bets.open_book(order.id, order.assigned_at)
    bets.place_bet(somebody.id, factories.user("manager", name="Lucky Cat"), "cancelled", Money.cu(5))
    for order in (nobody, somebody):
        cancel(order)
        bets.settle_book(order.id, "cancelled", clock.now())
    page = client.get("/manager/bets").get_data(as_text=True)
    settlements = page[page.index("Who gets how much"):]
    assert f"Order #{somebody.id}<" in settlements and "Lucky Cat" in settlements
    assert f"Order #{nobody.id}<" not in settlements and "Nobody bet on it" not in page
