"""The client's billing page: what Sunday will charge, charges, invoices, card, pay now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import client_billing, clock, orders
from portal.errors import DomainError
from tests import factories
from tests.portal.ledger.billing import at, finish, unpaid_invoice
from tests.portal.orders.factories import book, service_type


def test_the_page_shows_this_week_s_charges_the_discount_and_the_next_tier(client, login_as, db):
    me = login_as("client")
    finish(me.id, None, price_cents=12_345)
    page = client.get("/client/billing").get_data(as_text=True)
    assert "123.45" in page and "0 %" in page and "10\u00a0000.01" in page


def test_a_card_is_saved_as_brand_and_last_four(client, login_as, db):
    me = login_as("client")
    response = client.post("/client/billing/card", data={"number": "4242 4242 4242 4242"})
    assert response.status_code == 303
    assert "Visa ending 4242" in client.get("/client/billing").get_data(as_text=True)
    refused = client.post("/client/billing/card", data={"number": "1111"}).get_data(as_text=True)
    assert "test card numbers" in refused
    assert client_billing.card_of(me.id).last4 == "4242"


def test_pay_now_pays_an_unpaid_invoice_and_another_client_s_is_not_found(client, login_as, db):
    me = login_as("client")
    clock.freeze(at(2026, 11, 24, 10))
    finish(me.id, None)
    (mine,) = client_billing.issue_weekly_invoices("2026-W48", at(2026, 11, 29, 20))
    other = factories.user("client")
    finish(other.id, None)
    (theirs,) = client_billing.issue_weekly_invoices("2026-W49", at(2026, 12, 6, 20))
    db.session.commit()
    assert client.post(f"/client/billing/invoices/{theirs}/pay").status_code == 404
    client.post("/client/billing/card", data={"number": "4242424242424242"})
    client.post(f"/client/billing/invoices/{mine}/pay")
    page = client.get("/client/billing").get_data(as_text=True)
    assert "paid" in page and "Paid so far: 100.00" in page.replace("\u00a0", " ")



def _booking(service, when) -> dict:
    return {"service_type": service.id, "description": "Feed the fish", "address": "5 Pond Road",
            "date": when.date().isoformat(), "time": when.strftime("%H:%M"), "hours": 2}


def test_an_unpaid_invoice_blocks_booking_and_rebooking_until_paid_now(client, login_as, db):
    me = login_as("client")
    factories.user("worker")
    failed = book(client=me, hours_ahead=1)
    clock.freeze(failed.starts_at + timedelta(minutes=31))
    orders.fail_no_shows()
    invoice_id = unpaid_invoice(me.id)
    service = service_type()
    when = clock.now() + timedelta(days=1)
    with pytest.raises(DomainError, match="An invoice is unpaid"):
        orders.book_order(me, service.id, "Feed the fish", "5 Pond Road", when)

    page = client.get("/client/orders/new").get_data(as_text=True)
    assert "An invoice is unpaid: pay it on your billing page to book again." in page
    assert 'href="/client/billing"' in page and "Book and find a worker" not in page
    refused = client.post("/client/orders/new", data=_booking(service, when))
    assert refused.status_code == 200 and b"An invoice is unpaid" in refused.data
    rebook = client.post(f"/client/orders/{failed.id}/rebook",
                         data={"date": when.date().isoformat(), "time": when.strftime("%H:%M")})
    assert rebook.status_code == 200 and b"An invoice is unpaid" in rebook.data
    assert db.session.scalar(select(func.count()).select_from(orders.Order)) == 1

    client.post("/client/billing/card", data={"number": "4242424242424242"})
    client.post(f"/client/billing/invoices/{invoice_id}/pay")
    assert client.post("/client/orders/new", data=_booking(service, when)).status_code == 303
