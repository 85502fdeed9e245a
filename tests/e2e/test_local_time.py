"""A browser in Tokyo: the new account (opened from the emailed link) takes the browser's zone,
the booking form takes Tokyo's wall-clock time, pages show it; choosing another zone on the
account page moves every time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import clock, orders, people
from tests.e2e.browsing import emailed_link
from tests.e2e.conftest import TIMEOUT_MS
from tests.portal.orders.factories import service_type

pytestmark = pytest.mark.e2e


def test_a_client_in_tokyo_registers_books_and_reads_times_on_their_own_clock(
        browser, live_server, db, business_zone):
    business_zone("Europe/Berlin")  # neither the browser's zone nor UTC
    clock.freeze(datetime(2026, 11, 30, 12, tzinfo=UTC))
    service_type(name_en="Cleaning")
    db.session.commit()

    context = browser.new_context(base_url=live_server, locale="en-US", timezone_id="Asia/Tokyo")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto("/register")
        form = page.locator("#register-form")
        form.locator("input[name=name]").fill("Kiko")
        form.locator("input[name=email]").fill("kiko@example.test")
        form.locator("input[name=address]").fill("1 Shibuya Lane")
        form.locator("input[name=password]").fill("purr purr purr")
        form.locator("input[name=confirm]").fill("purr purr purr")
        form.get_by_role("button", name="Create account").click()
        expect(page).to_have_url(re.compile(r"/register/sent$"))
        page.goto(emailed_link("kiko@example.test", "registration_confirm", r"https?://[^/\s]+(/register/confirm/\S+)"))
        page.get_by_label("Password").fill("purr purr purr")
        page.get_by_role("button", name="Open my account").click()
        expect(page).to_have_url(re.compile(r"/client/$"))
        db.session.expire_all()
        kiko = db.session.scalar(select(people.User).where(people.User.email == "kiko@example.test"))
        assert kiko.time_zone == "Asia/Tokyo"

        page.get_by_role("button", name="Request help").first.click()
        booking = page.locator("#booking-form")
        expect(booking.get_by_label("Date")).to_have_value("2026-12-01")  # tomorrow in Tokyo (21:00 now)
        booking.get_by_label("What needs doing").fill("Water the bonsai")
        booking.get_by_label("Start time").fill("10:00")
        booking.get_by_role("button", name="Book and find a worker").click()
        expect(page).to_have_url(re.compile(r"/client/orders/\d+$"))
        expect(page.locator("dd", has_text="1 Dec 2026, 10:00").first).to_be_visible()
        db.session.expire_all()
        order = db.session.scalar(select(orders.Order).where(orders.Order.client_id == kiko.id))
        assert order.starts_at == datetime(2026, 12, 1, 1, tzinfo=UTC)
        order_url = page.url

        page.goto("/account")
        zone = page.locator("#profile-form").get_by_label("Time zone")
        expect(zone).to_have_value("Asia/Tokyo")
        expect(page.locator('#time-zones option[value="Europe/Berlin"]')).to_have_count(1)
        zone.fill("Europe/Berlin")
        page.locator("#profile-form").get_by_role("button", name="Save profile").click()
        expect(page.get_by_text("Your profile is saved.")).to_be_visible()
        page.goto(order_url)
        expect(page.locator("dd", has_text="1 Dec 2026, 02:00").first).to_be_visible()
    finally:
        context.close()
    assert errors == []
