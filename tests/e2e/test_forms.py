"""A rejected form shows its errors next to the fields, without reloading the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import HOMES, emailed_link, sign_in, without_reload

pytestmark = pytest.mark.e2e

# The label also holds the hint or the error: "Password At least 8 characters."
PASSWORD = re.compile(r"^Password")


def test_registration_errors_appear_next_to_their_fields_then_the_fixed_form_goes_through(page, db):
    page.goto("/register")
    form = page.locator("#register-form")
    form.get_by_label("Name").fill("Tom Kitten")
    form.get_by_label("Email").fill("not-an-email")
    form.get_by_label("Address").fill("1 Basket Road")
    form.get_by_label(PASSWORD).fill("short")
    form.get_by_label("Repeat the password").fill("short")

    with without_reload(page):
        form.get_by_role("button", name="Create account").click()
        expect(page.locator("#email-error")).to_have_text("This does not look like an email address.")
        expect(page.locator("#password-error")).to_have_text("Use 8 to 200 characters.")
    expect(page).to_have_url(re.compile(r"/register$"))
    expect(form.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Name")).to_have_value("Tom Kitten")  # what was right is kept

    # The swapped-in form still carries a valid CSRF token: fixing it sends the confirmation link.
    form.get_by_label("Email").fill("tom.kitten@example.com")
    form.get_by_label(PASSWORD).fill("long enough")
    form.get_by_label("Repeat the password").fill("long enough")
    form.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/register/sent$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    # The account opens from the emailed link, with the password chosen, and signs the client in.
    page.goto(emailed_link("tom.kitten@example.com", "registration_confirm", r"https?://[^/\s]+(/register/confirm/\S+)"))
    page.get_by_label("Password").fill("long enough")
    page.get_by_role("button", name="Open my account").click()
    expect(page).to_have_url(re.compile(HOMES["client"] + "$"))
    expect(page.locator("#flashes")).to_contain_text("Welcome to MCF, Tom Kitten!")


def test_a_wrong_password_is_said_in_the_form_without_a_reload(page, demo):
    page.goto("/login")
    with without_reload(page):
        sign_in(page, "client@mcf.test", "not the password")
        expect(page.locator("#login-form [role=alert]")).to_have_text("Wrong email or password.")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("#login-form input[name=email]")).to_have_value("client@mcf.test")
    expect(page.locator("#login-form input[name=password]")).to_be_empty()
