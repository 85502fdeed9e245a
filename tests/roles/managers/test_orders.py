from portal import orders
from tests import factories
from tests.portal.orders.factories import book, photo, service_type
from tests.portal.warehouse.factories import issued_kit


def test_the_list_filters_by_status_service_client_and_searches(client, login_as, db):
    login_as("manager")
    factories.user("worker", name="Busy Bee")
    alice = factories.user("client", name="Alice Purr")
    bob = factories.user("client", name="Bob Hiss")
    cleaning, garden = service_type(name_en="Cleaning"), service_type(name_en="Gardening")
    first = book(client=alice, service=cleaning, address="1 Sunny Lane")
    second = book(client=bob, service=garden, address="2 Rainy Road")  # same slot: waits
    assert (first.state, second.state) == ("assigned", "awaiting_worker")
    page = client.get("/manager/orders")
    assert b"Alice Purr" in page.data and b"Bob Hiss" in page.data
    by_state = client.get("/manager/orders?state=awaiting_worker", headers={"HX-Request": "true"})
    assert b"Bob Hiss" in by_state.data and b"Alice Purr" not in by_state.data
    assert b"<html" not in by_state.data  # the table alone for htmx
    by_service = client.get(f"/manager/orders?service_type={cleaning.id}")
    assert b"Alice Purr" in by_service.data and b"Bob Hiss" not in by_service.data
    by_client = client.get("/manager/orders?client=bob")
    assert b"Bob Hiss" in by_client.data and b"Alice Purr" not in by_client.data
    by_worker = client.get("/manager/orders?worker=busy")
    assert b"Alice Purr" in by_worker.data and b"Bob Hiss" not in by_worker.data
    search = client.get("/manager/orders?q=rainy")
    assert b"Bob Hiss" in search.data and b"Alice Purr" not in search.data


def test_the_list_filters_by_date_and_ignores_a_bad_date(client, login_as, db):
    login_as("manager")
    soon = book(client=factories.user("client", name="Soon Sally"), hours_ahead=24)
    book(client=factories.user("client", name="Later Larry"), hours_ahead=24 * 10)
    day = soon.starts_at.date().isoformat()
    page = client.get(f"/manager/orders?date_from={day}&date_to={day}")
    assert b"Soon Sally" in page.data and b"Later Larry" not in page.data
    bad = client.get("/manager/orders?date_from=tomorrow")
    assert bad.status_code == 200 and b"not a date; ignored." in bad.data
    assert b"Soon Sally" in bad.data and b"Later Larry" in bad.data


def test_the_order_page_shows_timeline_photos_and_why_this_worker(client, login_as, db):
    login_as("manager")
    factories.user("worker", name="Chosen One")
    factories.user("worker", name="Runner Up")
    order = book(hours_ahead=0.25)
    issued_kit(order)
    orders.check_in(order.id, db.session.get(factories.User, order.worker_id), photo())
    page = client.get(f"/manager/orders/{order.id}")
    assert page.status_code == 200
    assert b"Why this worker" in page.data and b"Runner Up" in page.data
    assert b"Worker checked in and started" in page.data and b"Check-in photo" in page.data
    assert client.get(f"/manager/orders/{order.id}/photos/check_in").status_code == 200


def test_the_search_takes_percent_and_underscore_as_characters(client, login_as, db):
    login_as("manager")
    book(client=factories.user("client", name="Percy Cent"), address="Flat 100% Cat Street")
    book(client=factories.user("client", name="Plain Paws"), address="Flat 1000 Cat Street", hours_ahead=30)
    percent = client.get("/manager/orders?q=100%25")
    assert b"Percy Cent" in percent.data and b"Plain Paws" not in percent.data
    underscore = client.get("/manager/orders?q=flat_1")
    assert b"Percy Cent" not in underscore.data and b"Plain Paws" not in underscore.data
    by_client = client.get("/manager/orders?client=_")
    assert b"Percy Cent" not in by_client.data and b"Plain Paws" not in by_client.data


def test_the_search_finds_an_order_by_number_and_refuses_none_for_a_huge_one(client, login_as, db):
    login_as("manager")
    order = book(client=factories.user("client", name="Numbered Nora"))
    assert b"Numbered Nora" in client.get(f"/manager/orders?q=%23{order.id}").data
    huge = client.get("/manager/orders?q=%23999999999999999999999")
    assert huge.status_code == 200 and b"Numbered Nora" not in huge.data
    digits = client.get("/manager/orders?q=%C2%B2")  # a superscript two: a digit to str.isdigit, not to int()
    assert digits.status_code == 200
    bad_service = client.get("/manager/orders?service_type=99999999999999999999")
    assert bad_service.status_code == 200 and b"Numbered Nora" in bad_service.data
