"""Each account chooses its time zone on the account page (a searchable list of IANA zones);
a new client takes the browser's; every page then shows times in it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from portal import clock, orders
from tests import factories
from tests.accounts import field_error, find_account
from tests.portal.orders.factories import service_type
from tests.roles.auth.test_register import GOOD, _link

STARTS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, 12:00 in Moscow


def _profile(user, **change):
    return {"name": user.name, "address": user.address, "language": "en"} | change


def _when_on_order_page(client, order_id: int) -> str:
    page = client.get(f"/client/orders/{order_id}").get_data(as_text=True)
    return html.unescape(re.search(r"<time datetime=[^>]*>(.*?)</time>\s*–\s*([\d:]+)", page).group(0))


def test_the_account_page_offers_every_zone_with_its_offset_to_search(client, login_as, db, business_zone):
    business_zone("Europe/Moscow")
    clock.freeze(datetime(2026, 1, 15, 12, tzinfo=UTC))  # winter: Berlin is UTC+1
    login_as("client")
    page = client.get("/account").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="time_zone"[^>]*list="time-zones"', page)
    assert '<datalist id="time-zones">' in page
    assert '<option value="Europe/Berlin">UTC+01:00</option>' in page
    assert '<option value="America/St_Johns">UTC-03:30</option>' in page
    assert "leave it empty for the portal's zone, Europe/Moscow" in html.unescape(page)


def test_a_chosen_zone_is_saved_and_every_page_shows_times_in_it(client, login_as, db):
    clock.freeze(datetime(2026, 11, 30, 12, tzinfo=UTC))
    me = login_as("client")
    order = orders.book_order(me, service_type().id, "Feed the fish", "5 Pond Road", STARTS, 2)
    assert "1 Dec 2026, 09:00</time> – 11:00" in _when_on_order_page(client, order.id)  # the portal's (UTC)

    response = client.post("/account", data=_profile(me, time_zone="Europe/Berlin"))

    assert response.status_code == 303
    assert find_account(me.email).time_zone == "Europe/Berlin"
    account_page = client.get("/account").get_data(as_text=True)
    assert 'value="Europe/Berlin"' in account_page and "Times in Europe/Berlin" in account_page
    assert "1 Dec 2026, 10:00</time> – 12:00" in _when_on_order_page(client, order.id)
    timeline = client.get(f"/client/orders/{order.id}").get_data(as_text=True)
    assert "30 Nov 2026, 13:00" in timeline  # booked at 12:00 UTC, on the timeline in Berlin time

    client.post("/account", data=_profile(me, time_zone=""))  # back to the portal's zone
    assert find_account(me.email).time_zone is None
    assert "1 Dec 2026, 09:00</time>" in _when_on_order_page(client, order.id)


@pytest.mark.parametrize("typed", ["Mars/Olympus", "Berlin", "W-SU", "Europe/" + "x" * 100])
def test_an_unknown_zone_is_refused_next_to_the_field_and_changes_nothing(client, login_as, db, typed):
    me = login_as("client", time_zone="Asia/Tokyo")

    response = client.post("/account", data=_profile(me, name="New Name", time_zone=typed))

    assert response.status_code == 200
    assert field_error(response, "time_zone") == "Choose a time zone from the list, e.g. Europe/Moscow."
    account = find_account(me.email)
    assert (account.name, account.time_zone) == (me.name, "Asia/Tokyo")


def test_a_new_client_takes_the_browser_s_zone_where_known(client, db):
    form = client.get("/register").get_data(as_text=True)
    assert re.search(r'<input[^>]*data-browser-zone[^>]*name="time_zone"|<input[^>]*name="time_zone"[^>]*data-browser-zone', form)

    client.post("/register", data=GOOD | {"time_zone": "America/New_York"})
    client.post(_link(GOOD["email"]), data={"password": GOOD["password"]})
    assert find_account(GOOD["email"]).time_zone == "America/New_York"


def test_a_browser_zone_the_portal_does_not_know_leaves_the_portal_s(client, db):
    response = client.post("/register", data=GOOD | {"time_zone": "Nowhere/Else"})
    assert response.status_code == 303
    client.post(_link(GOOD["email"]), data={"password": GOOD["password"]})
    assert find_account(GOOD["email"]).time_zone is None


def test_each_person_sees_the_same_moment_on_their_own_clock(client, login_as, db):
    clock.freeze(datetime(2026, 11, 30, 12, tzinfo=UTC))
    me = factories.user("client", time_zone="America/New_York")
    order = orders.book_order(me, service_type().id, "Feed the fish", "5 Pond Road", STARTS, 2)
    login_as("manager", time_zone="Asia/Tokyo")
    page = client.get(f"/manager/orders/{order.id}").get_data(as_text=True)
    assert "1 Dec 2026, 18:00</time> – 20:00" in html.unescape(page)
