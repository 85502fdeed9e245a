"""Billing in the browser: a manager moves the demo clock to Sunday evening, confirming what
will happen, the weekly run happens on the way, and the client sees the invoice paid; a declined card shows why it failed and
blocks booking until the client pays with another card."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal import client_billing
from tests import factories
from tests.e2e.browsing import go_to, screenshot, sign_in
from tests.portal.ledger.billing import finish, unpaid_invoice
from tests.portal.orders.factories import service_type

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo_mode(app):
    was = app.config["DEMO"]
    app.config["DEMO"] = True
    yield
    app.config["DEMO"] = was


def test_a_manager_moves_the_clock_to_sunday_and_the_client_sees_the_paid_invoice(
        page, browser, live_server, db, jobs_worker, demo_mode):
    manager = factories.user("manager")
    customer = factories.user("client", name="Tom Tabby")
    client_billing.save_card(customer.id, "4242424242424242")
    finish(customer.id, None, price_cents=12_345)
    db.session.commit()

    sign_in(page, manager.email, factories.PASSWORD)
    go_to(page, "Billing")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Demo: move the clock to Sunday 20:00 (UTC)").click()
    expect(page.get_by_text(re.compile(r"The portal's clock now says Sunday .* 20:01 \(UTC\)"))).to_be_visible()
    assert re.match(r"Move the portal's clock to Sunday .* 20:01 \(UTC\)\? 0 orders will play out", asked[0])
    assert "Weekly invoices will be issued and charged." in asked[0]
    expect(page.get_by_test_id("portal-clock")).to_contain_text("20:01 (UTC)")
    expect(page.get_by_text("Done: 1 of 1")).to_be_visible()  # Sunday's run, done on the way
    page.reload()
    expect(page.locator("figure.billing-chart")).to_contain_text("Week, by its Monday")
    screenshot(page, "billing-manager")

    client_context = browser.new_context(base_url=live_server, locale="en-US")
    client_page = client_context.new_page()
    try:
        sign_in(client_page, customer.email, factories.PASSWORD)
        client_page.get_by_role("link", name="Billing").click()
        invoice = client_page.locator("tr", has_text=re.compile(r"-W\d\d")).filter(has_text="123.45")
        expect(invoice).to_contain_text("paid")
        expect(invoice.get_by_role("button", name="Pay now")).to_have_count(0)
    finally:
        client_context.close()


def test_a_declined_card_shows_the_failure_and_blocks_booking_until_paid(page, db):
    service_type(name_en="Cleaning")
    customer = factories.user("client")
    unpaid_invoice(customer.id)
    db.session.commit()

    sign_in(page, customer.email, factories.PASSWORD)
    page.get_by_role("link", name="Billing").click()
    invoice = page.locator("tr", has_text=re.compile(r"-W\d\d")).filter(has_text="100.00")
    expect(invoice).to_contain_text("unpaid")
    expect(invoice).to_contain_text("the card was declined")

    page.goto("/client/orders/new")
    expect(page.get_by_role("alert")).to_contain_text("An invoice is unpaid")
    expect(page.get_by_role("button", name="Book and find a worker")).to_have_count(0)
    page.get_by_role("button", name="Pay now").click()  # the link to the billing page

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Replace the card").click()
    expect(page.get_by_text("Card Visa ending 4242 saved.")).to_be_visible()
    invoice.get_by_role("button", name="Pay now").click()
    expect(page.get_by_text("Paid. Thank you!")).to_be_visible()

    page.goto("/client/orders/new")
    expect(page.get_by_role("button", name="Book and find a worker")).to_be_visible()


def test_a_client_opens_an_invoice_from_the_billing_page_and_prints_it_without_the_navigation(page, db):
    from portal import clock
    from tests.portal.ledger.billing import at

    customer = factories.user("client", name="Tom Tabby")
    clock.freeze(at(2026, 11, 24, 10))
    finish(customer.id, None, price_cents=12_345)
    finish(customer.id, None, price_cents=6_000, outcome="cancelled")
    (invoice_id,) = client_billing.issue_weekly_invoices("2026-W48")
    db.session.commit()

    sign_in(page, customer.email, factories.PASSWORD)
    page.get_by_role("link", name="Billing").click()
    page.get_by_role("link", name=f"Invoice No. {invoice_id}").click()
    expect(page).to_have_url(re.compile(rf"/client/billing/invoices/{invoice_id}$"))
    expect(page.get_by_role("heading", name=f"Invoice No. {invoice_id}")).to_be_visible()
    lines = page.locator(".invoice-lines tbody tr")
    expect(lines).to_have_count(2)
    expect(page.locator(".invoice-lines tfoot")).to_contain_text("183.45")
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()

    page.emulate_media(media="print")  # what the browser prints
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_hidden()
    expect(page.get_by_role("button", name="Pay now")).to_be_hidden()
    expect(page.locator(".invoice-lines tfoot")).to_be_visible()


def test_a_manager_gives_a_bonus_from_the_workers_record_after_confirming(page, live_server, db):
    manager = factories.user("manager", name="Marquise Whiskers")
    factories.user("worker", name="Oliver Paws")
    db.session.commit()

    sign_in(page, manager.email, factories.PASSWORD)
    go_to(page, "People")
    page.get_by_role("link", name="Oliver Paws").click()
    expect(page.get_by_role("heading", name="This month's earnings")).to_be_visible()
    page.get_by_label("Amount (CU)").fill("7,50")
    page.get_by_label("Why").fill("Caught the mouse")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Give the bonus").click()
    assert asked and "cannot be taken back" in asked[0]
    expect(page.get_by_text("No fines or bonuses yet.")).to_be_visible()  # dismissed: nothing given

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Give the bonus").click()
    expect(page.get_by_text("Bonus of 7.50 CU given.")).to_be_visible()
    expect(page.locator("#money")).to_contain_text("Caught the mouse")
    page.go_back()
    page.go_forward()
    page.reload()
    expect(page.locator("#money")).to_contain_text("Caught the mouse")
