"""The booking form takes the client's own date and time; the order keeps the right UTC moment,
and each email tells its recipient the time on their own clock."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from sqlalchemy import select

from portal import clock, orders
from portal.db import db
from portal.notifications import Email
from tests import factories
from tests.accounts import field_error
from tests.portal.orders.factories import service_type


def _form(service, day: str, at: str) -> dict:
    return {"service_type": service.id, "description": "Feed the fish", "address": "5 Pond Road",
            "date": day, "time": at, "hours": 2}


def _booked() -> list[orders.Order]:
    db.session.expire_all()
    return list(db.session.scalars(select(orders.Order).order_by(orders.Order.id)))


def test_a_berlin_client_books_10_00_their_time_and_the_order_starts_at_the_right_utc(client, login_as, db):
    clock.freeze(datetime(2026, 3, 20, 12, tzinfo=UTC))
    login_as("client", time_zone="Europe/Berlin")
    service = service_type()
    page = client.get("/client/orders/new").get_data(as_text=True)
    assert "Start time" in page and "UTC" not in page

    assert client.post("/client/orders/new", data=_form(service, "2026-03-27", "10:00")).status_code == 303  # CET
    assert client.post("/client/orders/new", data=_form(service, "2026-03-30", "10:00")).status_code == 303  # CEST

    assert [o.starts_at for o in _booked()] == [datetime(2026, 3, 27, 9, tzinfo=UTC),
                                                datetime(2026, 3, 30, 8, tzinfo=UTC)]


def test_a_time_the_clocks_skip_is_refused_with_a_clear_message(client, login_as, db):
    clock.freeze(datetime(2026, 3, 20, 12, tzinfo=UTC))
    login_as("client", time_zone="Europe/Berlin")
    response = client.post("/client/orders/new", data=_form(service_type(), "2026-03-29", "02:30"))
    assert response.status_code == 200
    assert field_error(response, "time") == ("The clocks skip this hour that night (daylight saving time). "
                                             "Choose another time.")
    assert _booked() == []


def test_a_time_the_clocks_repeat_is_its_first_occurrence(client, login_as, db):
    clock.freeze(datetime(2026, 10, 20, 12, tzinfo=UTC))
    login_as("client", time_zone="Europe/Berlin")
    client.post("/client/orders/new", data=_form(service_type(), "2026-10-25", "02:30"))
    (order,) = _booked()
    assert order.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time


def test_the_form_suggests_tomorrow_on_the_client_s_calendar(client, login_as, db):
    clock.freeze(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # already 1 December in Moscow
    login_as("client", time_zone="Europe/Moscow")
    service_type()
    page = client.get("/client/orders/new").get_data(as_text=True)
    assert re.search(r'name="date"[^>]*value="2026-12-02"|value="2026-12-02"[^>]*name="date"', page)


def test_emails_tell_each_recipient_the_time_on_their_own_clock(client, login_as, db):
    clock.freeze(datetime(2026, 11, 30, 12, tzinfo=UTC))
    worker = factories.user("worker", time_zone="Asia/Tokyo")
    me = login_as("client", time_zone="America/New_York")
    client.post("/client/orders/new", data=_form(service_type(), "2026-12-01", "10:00"))  # 15:00 UTC
    (order,) = _booked()
    assert order.starts_at == datetime(2026, 12, 1, 15, tzinfo=UTC) and order.worker_id == worker.id
    mails = {e.to: e for e in db.session.scalars(select(Email))}
    to_client, to_worker = mails[me.email], mails[worker.email]
    assert "1 Dec 2026, 10:00 – 12:00 (America/New_York)" in to_client.text_body
    assert "2 Dec 2026, 00:00 – 02:00 (Asia/Tokyo)" in to_worker.text_body  # already the next day there
    assert "2 Dec 2026" in to_worker.subject
    assert "2 Dec 2026, 00:00" in html.unescape(to_worker.html_body)


def test_the_billing_page_says_when_the_week_is_invoiced_on_the_client_s_clock(client, login_as, db, business_zone):
    business_zone("Europe/Berlin")
    clock.freeze(datetime(2026, 10, 21, 12, tzinfo=UTC))
    login_as("client", time_zone="Asia/Tokyo")
    page = client.get("/client/billing").get_data(as_text=True)
    # Sunday 25 October 20:00 in Berlin (winter time again) is Monday 04:00 in Tokyo.
    assert re.search(r'id="invoiced-at">26 Oct 2026, 04:00<', page)

