"""The kits board: by pickup time, filters, one button per step, htmx card swaps, PRG without JS."""

from datetime import timedelta

import pytest

from portal import clock, orders, warehouse
from tests import factories
from tests.portal.orders.factories import book, service_type
from tests.portal.warehouse.factories import accepted_payload, opened_kit

HTMX = {"HX-Request": "true"}


@pytest.fixture
def kits(db):
    """Three kits: Tom's tomorrow, Kitty's in two days, and Luna's in an hour (booked last)."""
    factories.user("worker", name="Oliver Paws")
    factories.user("worker", name="Misty Whiskers")
    factories.user("worker", name="Ginger Tail")
    cleaning = service_type(name_en="Cleaning")
    made = [opened_kit(book(client=factories.user("client", name=name), service=cleaning, hours_ahead=hours))
            for name, hours in (("Tom Tabby", 24), ("Kitty Purr", 48), ("Luna Moon", 1))]
    return made


def test_the_board_lists_kits_by_pickup_time_with_order_client_service_and_worker(client, login_as, kits):
    login_as("warehouse")
    page = client.get("/warehouse/").get_data(as_text=True)
    assert page.index("Luna Moon") < page.index("Tom Tabby") < page.index("Kitty Purr")
    assert f"#{kits[0].order_id}" in page and "Cleaning" in page and "Oliver Paws" in page
    assert "requested" in page  # the cookie, before the bakery answers
    assert 'hx-trigger="every 5s"' in page  # new kits appear without a reload


def test_managers_see_the_board_too(client, login_as, kits):
    login_as("manager")
    assert b"Luna Moon" in client.get("/warehouse/").data


def test_filters_by_state_and_pickup_day(client, login_as, kits):
    staff = login_as("warehouse")
    warehouse.start_assembling(kits[1].id, staff)
    page = client.get("/warehouse/?state=assembling").get_data(as_text=True)
    assert "Kitty Purr" in page and "Tom Tabby" not in page
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    page = client.get(f"/warehouse/?state=all&day={tomorrow}").get_data(as_text=True)
    assert "Tom Tabby" in page and "Kitty Purr" not in page
    fragment = client.get("/warehouse/?state=assembling", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and 'id="kit-board"' in fragment and "Kitty Purr" in fragment


def test_cookie_received_ready_and_issued_swap_just_the_card(client, login_as, kits, db):
    login_as("warehouse", name="Barsik Shelves")
    kit = kits[2]
    card = client.post(f"/warehouse/kits/{kit.id}/cookie-received", headers=HTMX).get_data(as_text=True)
    assert card.lstrip().startswith("<article") and "The cookie is in the kit." in card
    card = client.post(f"/warehouse/kits/{kit.id}/ready", headers=HTMX).get_data(as_text=True)
    assert "ready for pickup" in card and "data-confirm" in card  # Issued asks first
    card = client.post(f"/warehouse/kits/{kit.id}/issued", headers=HTMX).get_data(as_text=True)
    assert "Barsik Shelves" in card and warehouse.kit_issued(kit.order_id)


def test_ready_without_the_cookie_says_why_on_the_card(client, login_as, kits):
    login_as("warehouse")
    card = client.post(f"/warehouse/kits/{kits[0].id}/ready", headers=HTMX).get_data(as_text=True)
    assert "mark it received first" in card and warehouse.get_kit(kits[0].id).state == "new"


def test_without_javascript_a_button_posts_and_redirects_to_the_board(client, login_as, kits):
    login_as("warehouse")
    response = client.post(f"/warehouse/kits/{kits[0].id}/cookie-received")
    assert response.status_code == 303 and response.headers["Location"].endswith("/warehouse/")
    assert b"The cookie is in the kit." in client.get("/warehouse/").data
    client.post(f"/warehouse/kits/{kits[0].id}/issued")
    assert b"not possible" in client.get("/warehouse/").data


def test_a_cancelled_orders_kit_leaves_the_working_list_and_shows_as_cancelled(client, login_as, kits, db):
    login_as("warehouse")
    order_id = kits[0].order_id
    orders.cancel_order(order_id, db.session.get(factories.User, refresh_client_id(order_id)))
    warehouse.cancel_kit(accepted_payload(order_id) | {"outcome": "cancelled"})  # the order.finished job
    assert b"Tom Tabby" not in client.get("/warehouse/").data
    page = client.get("/warehouse/?state=cancelled").get_data(as_text=True)
    assert "Tom Tabby" in page and "cancelled" in page


def refresh_client_id(order_id: int) -> int:
    return orders.order_detail(order_id, factories.user("manager")).order.client_id


def test_the_worker_and_the_client_see_the_kit_status(app, client, login_as, db):
    login_as("worker")
    order = book()
    kit = opened_kit(order)
    assert b"new" in client.get("/worker/").data
    staff = factories.user("warehouse")
    warehouse.mark_cookie_received(kit.id, staff)
    warehouse.mark_ready(kit.id, staff)
    assert b"ready for pickup" in client.get(f"/worker/orders/{order.id}").data
    as_client = app.test_client()
    as_client.post("/login", data={"email": db.session.get(factories.User, order.client_id).email,
                                   "password": factories.PASSWORD})
    assert b"ready for pickup" in as_client.get(f"/client/orders/{order.id}").data
