"""The language switch in the header: the whole page changes, and the choice is remembered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import HOMES, choose_language, sign_in, sign_out, translated

pytestmark = pytest.mark.e2e


def test_a_visitor_switches_to_russian_and_the_next_page_stays_russian(page):
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    choose_language(page, "ru")

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".lang-switch button[value=ru]")).to_have_attribute("aria-current", "true")
    expect(page.locator(".lang-switch button[value=en]")).not_to_have_attribute("aria-current", "true")
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("Sign in"))

    page.locator("a[href='/register']").first.click()
    expect(page).to_have_url(re.compile(r"/register$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text(translated("Create a client account"))


def test_a_signed_in_users_language_is_kept_on_the_account(page, demo, browser, live_server):
    sign_in(page, "client@mcf.test")
    expect(page).to_have_url(re.compile(HOMES["client"] + "$"))

    choose_language(page, "ru")
    expect(page).to_have_url(re.compile(HOMES["client"] + "$"))  # back on the page it was chosen on

    sign_out(page)
    # Signing out forgets the session, so the sign-in page follows the browser again.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    sign_in(page, "client@mcf.test")
    expect(page).to_have_url(re.compile(HOMES["client"] + "$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")

    # Another browser (no cookies from this one) gets it from the account too.
    other = browser.new_context(base_url=live_server, locale="en-US")
    try:
        elsewhere = other.new_page()
        sign_in(elsewhere, "client@mcf.test")
        expect(elsewhere).to_have_url(re.compile(HOMES["client"] + "$"))
        expect(elsewhere.locator("html")).to_have_attribute("lang", "ru")
        expect(elsewhere.locator("header form[action$='/logout'] button")).to_have_text(translated("Sign out"))
    finally:
        other.close()
