"""A client books with the live estimate, a worker checks in and finishes with photos, the
client's order page turns to completed by itself, and the client rates."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import clock, orders
from tests import factories
from tests.e2e.browsing import sign_in, without_reload
from tests.portal.orders.factories import photo, service_type
from tests.portal.warehouse.factories import issued_kit

pytestmark = pytest.mark.e2e


def test_book_match_check_in_finish_and_rate(page, browser, live_server, db):
    service_type(name_en="Cleaning", price_cents=10_000)
    service_type(name_en="Gardening", price_cents=12_550)
    worker = factories.user("worker", name="Oliver Paws", breed="Maine Coon")
    client = factories.user("client", name="Tom Tabby")
    db.session.commit()

    sign_in(page, client.email, factories.PASSWORD)
    page.get_by_role("button", name="Request help").first.click()
    form = page.locator("#booking-form")
    expect(page.get_by_test_id("estimate-total")).to_contain_text("100.00")
    with without_reload(page):
        form.get_by_label("Service").select_option(label="Gardening · 125.50\u00a0CU")
        expect(page.get_by_test_id("estimate-total")).to_contain_text("125.50")
    start = clock.now() + timedelta(minutes=20)
    form.get_by_label("What needs doing").fill("Water the roses")
    form.get_by_label("Address").fill("12 Catnip Lane")
    form.get_by_label("Date").fill(start.date().isoformat())
    form.get_by_label("Start time").fill(start.strftime("%H:%M"))
    form.get_by_role("button", name="Book and find a worker").click()
    expect(page).to_have_url(re.compile(r"/client/orders/\d+$"))
    expect(page.get_by_test_id("worker-name")).to_have_text("Oliver Paws")
    expect(page.get_by_text("Maine Coon")).to_be_visible()
    order_url = page.url
    # The warehouse hands the kit over (tests/e2e/test_warehouse.py does it on the board).
    issued_kit(db.session.get(orders.Order, int(order_url.rsplit("/", 1)[1])))
    db.session.commit()

    worker_context = browser.new_context(base_url=live_server, locale="en-US")
    worker_page = worker_context.new_page()
    try:
        sign_in(worker_page, worker.email, factories.PASSWORD)
        worker_page.get_by_role("link", name=re.compile("–")).first.click()
        worker_page.get_by_label(re.compile("^Photo")).set_input_files(
            {"name": "arrived.png", "mimeType": "image/png", "buffer": photo()})
        worker_page.get_by_role("button", name="Started").click()
        expect(worker_page.get_by_text("Checked in. Good work!")).to_be_visible()
        worker_page.get_by_label(re.compile("^Photo")).set_input_files(
            {"name": "report.png", "mimeType": "image/png", "buffer": photo()})
        worker_page.get_by_role("button", name="Finish the order").click()
        expect(worker_page.get_by_text("Finished. The order is completed.")).to_be_visible()
    finally:
        worker_context.close()

    assert page.url == order_url
    with without_reload(page):
        # The page polls itself: no reload, and the rating form appears once completed.
        expect(page.locator(".order-status")).to_contain_text("completed")
        expect(page.get_by_role("img", name="Signed report")).to_be_visible()
    page.locator("input[name=stars][value='5']").check()
    page.get_by_label("A comment (optional)").fill("Roses never looked better")
    page.get_by_role("button", name="Confirm and rate").click()
    expect(page.get_by_text("You rated this order 5 of 5.")).to_be_visible()
