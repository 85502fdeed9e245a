from datetime import timedelta

from sqlalchemy import select

from portal import clock, orders
from portal.notifications import Email
from tests import factories
from tests.portal.orders.factories import book, photo, refresh, service_type
from tests.portal.warehouse.factories import issued_kit


def _form(service, when, **extra):
    return {"service_type": service.id, "description": "Feed the fish", "address": "5 Pond Road",
            "date": when.date().isoformat(), "time": when.strftime("%H:%M"), "hours": 2} | extra


def test_the_dashboard_offers_request_help_and_lists_orders(client, login_as, db):
    me = login_as("client")
    factories.user("worker")
    mine = book(client=me, description="Brush the carpet")
    page = client.get("/client/")
    assert b"Request help" in page.data and f"/client/orders/{mine.id}".encode() in page.data


def test_booking_assigns_a_worker_and_shows_them(client, login_as, db):
    login_as("client")
    worker = factories.user("worker", breed="Bengal")
    service = service_type(name_en="Cleaning")
    form = client.get("/client/orders/new")
    assert b"Cleaning" in form.data and b"100.00" in form.data
    response = client.post("/client/orders/new", data=_form(service, clock.now() + timedelta(days=1)))
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert worker.name.encode() in page.data and b"Bengal" in page.data
    assert b"worker assigned" in page.data
    # Both sides are told, each in their own language.
    assert {e.to for e in db.session.scalars(select(Email))} >= {worker.email}


def test_the_estimate_follows_the_chosen_service(client, login_as, db):
    login_as("client")
    pricey = service_type(price_cents=25_050)
    response = client.get(f"/client/orders/estimate?service_type={pricey.id}", headers={"HX-Request": "true"})
    assert "250.50".encode() in response.data
    assert b"<html" not in response.data


def test_bad_booking_input_is_refused_next_to_the_field_and_writes_nothing(client, login_as, db):
    login_as("client")
    service = service_type()
    response = client.post("/client/orders/new", data=_form(service, clock.now() - timedelta(hours=1)))
    assert response.status_code == 200 and b"Choose a time in the future." in response.data
    response = client.post("/client/orders/new", data=_form(service, clock.now() + timedelta(days=1), description=""))
    assert b"Say what needs doing." in response.data
    assert db.session.scalar(select(orders.Order.id)) is None


def test_live_fragment_polls_until_final_then_stops(client, login_as, db):
    me = login_as("client")
    order = book(client=me)
    fragment = client.get(f"/client/orders/{order.id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b'hx-trigger="every 3s"' in fragment.data
    client.post(f"/client/orders/{order.id}/cancel")
    final = client.get(f"/client/orders/{order.id}", headers={"HX-Request": "true"})
    assert final.status_code == 286 and b"every 3s" not in final.data and b"cancelled" in final.data


def test_cancel_asks_for_confirmation_and_says_it_is_charged(client, login_as, db):
    me = login_as("client")
    order = book(client=me)
    page = client.get(f"/client/orders/{order.id}")
    assert b"still charged in full" in page.data and b"data-confirm" in page.data
    response = client.post(f"/client/orders/{order.id}/cancel", follow_redirects=True)
    assert b"It is still charged in full." in response.data
    again = client.post(f"/client/orders/{order.id}/cancel", follow_redirects=True)
    assert b"can no longer be cancelled" in again.data


def test_rate_after_completion(client, login_as, db):
    me = login_as("client")
    worker = factories.user("worker")
    order = book(client=me, hours_ahead=0.25)
    issued_kit(order)
    orders.check_in(order.id, worker, photo())
    orders.finish_order(order.id, worker, photo())
    page = client.get(f"/client/orders/{order.id}")
    assert b"Confirm and rate" in page.data and b"Signed report" in page.data
    bad = client.post(f"/client/orders/{order.id}/rate", data={"stars": "9"})
    assert bad.status_code == 200 and b"Confirm and rate" in bad.data
    done = client.post(f"/client/orders/{order.id}/rate", data={"stars": "5", "comment": "Great"},
                       follow_redirects=True)
    assert b"You rated this order 5 of 5." in done.data


def test_report_a_problem(client, login_as, db):
    me = login_as("client")
    worker = factories.user("worker")
    order = book(client=me, hours_ahead=0.25)
    issued_kit(order)
    orders.check_in(order.id, worker, photo())
    orders.finish_order(order.id, worker, photo())
    empty = client.post(f"/client/orders/{order.id}/problem", data={"comment": ""})
    assert b"Tell us what went wrong." in empty.data
    done = client.post(f"/client/orders/{order.id}/problem", data={"comment": "Fish gone"}, follow_redirects=True)
    assert b"quality control is on it" in done.data


def test_rebook_a_failed_order_with_another_worker(client, login_as, db):
    me = login_as("client")
    first = factories.user("worker")
    order = book(client=me, hours_ahead=1)
    clock.freeze(order.starts_at + timedelta(minutes=31))
    orders.fail_no_shows()
    page = client.get(f"/client/orders/{order.id}")
    assert b"Rebook" in page.data
    second = factories.user("worker")
    when = order.starts_at + timedelta(days=2)
    response = client.post(f"/client/orders/{order.id}/rebook",
                           data={"date": when.date().isoformat(), "time": when.strftime("%H:%M")})
    assert response.status_code == 303
    new = client.get(response.headers["Location"])
    assert second.name.encode() in new.data and first.name.encode() not in new.data


def test_another_client_cannot_see_or_change_the_order_or_its_photos(client, login_as, db):
    worker = factories.user("worker")
    order = book(hours_ahead=0.25)
    issued_kit(order)
    orders.check_in(order.id, worker, photo())
    login_as("client")
    assert client.get(f"/client/orders/{order.id}").status_code == 404
    assert client.get(f"/client/orders/{order.id}/photos/check_in").status_code == 404
    assert client.get(f"/client/orders/{order.id}/worker-photo").status_code == 404
    assert client.post(f"/client/orders/{order.id}/cancel").status_code == 404
    assert client.post(f"/client/orders/{order.id}/rate", data={"stars": "1"}).status_code == 404
    assert refresh(order).state == "in_progress"


def test_an_order_that_found_no_worker_leaves_upcoming_and_shows_as_ended(client, login_as, db):
    me = login_as("client")
    order = book(client=me, description="Brush the carpet")
    assert "being matched" in client.get("/client/").get_data(as_text=True)
    clock.freeze(order.starts_at + timedelta(minutes=1))
    assert orders.expire_unmatched_orders() == [order.id]
    home = client.get("/client/").get_data(as_text=True)
    upcoming, past = home.split('id="past-heading"')
    assert f"/client/orders/{order.id}" not in upcoming and f"/client/orders/{order.id}" in past
    assert "no worker found" in past and "badge-order-expired" in past
    page = client.get(f"/client/orders/{order.id}").get_data(as_text=True)
    assert "You are not charged for it." in page and "Cancel the order" not in page


def test_the_estimate_says_where_the_loyalty_discount_starts_in_one_unbreakable_amount(client, login_as, db):
    login_as("client")
    service = service_type()
    estimate = client.get(f"/client/orders/estimate?service_type={service.id}", headers={"HX-Request": "true"})
    # No-break spaces: "10 000.00 CU" never wraps across two lines on a phone.
    assert "paid over 10\u00a0000.00\u00a0CU" in estimate.get_data(as_text=True)
