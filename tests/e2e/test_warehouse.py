"""The warehouse on a tablet: a new order's kit appears on the board by itself, staff mark the
cookie received, the kit ready and issued, and then the worker can check in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.browsing import sign_in, without_reload
from tests.portal.orders.factories import book, photo, service_type

pytestmark = pytest.mark.e2e


def test_a_new_kit_appears_and_goes_from_cookie_to_issued_then_the_worker_checks_in(
        page, browser, live_server, db, jobs_worker):
    cleaning = service_type(name_en="Cleaning")
    worker = factories.user("worker", name="Oliver Paws")
    client = factories.user("client", name="Tom Tabby")
    staff = factories.user("warehouse", name="Barsik Shelves")
    db.session.commit()

    sign_in(page, staff.email, factories.PASSWORD)
    expect(page).to_have_url(re.compile(r"/warehouse/$"))
    expect(page.get_by_text("No kits here")).to_be_visible()
    with without_reload(page):
        order = book(client=client, service=cleaning, hours_ahead=0.25)
        order_id = order.id
        db.session.commit()
        # order.accepted → the kit job → the board's next refresh.
        card = page.get_by_test_id(f"kit-{order_id}")
        expect(card).to_contain_text("Tom Tabby")
        expect(card).to_contain_text("Oliver Paws")
        expect(card).to_contain_text("Cleaning")

        card.get_by_role("button", name="Cookie received").click()
        expect(card.locator(".cookie")).to_have_text("received")
        card.get_by_role("button", name="Ready").click()
        expect(card).to_contain_text("ready for pickup")
        page.once("dialog", lambda dialog: dialog.accept())  # "Hand kit #… to Oliver Paws now?"
        card.get_by_role("button", name="Issued").click()
        expect(card).to_contain_text("Barsik Shelves")

    worker_context = browser.new_context(base_url=live_server, locale="en-US")
    worker_page = worker_context.new_page()
    try:
        sign_in(worker_page, worker.email, factories.PASSWORD)
        expect(worker_page).to_have_url(re.compile(r"/worker/$"))
        worker_page.goto(f"/worker/orders/{order_id}")
        expect(worker_page.locator(".badge-kit")).to_have_text("issued")
        worker_page.get_by_label(re.compile("^Photo")).set_input_files(
            {"name": "arrived.png", "mimeType": "image/png", "buffer": photo()})
        worker_page.get_by_role("button", name="Started").click()
        expect(worker_page.get_by_text("Checked in. Good work!")).to_be_visible()
    finally:
        worker_context.close()
