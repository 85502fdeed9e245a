"""Each demo role signs in through the form, lands on its own home and signs out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import HOMES, screenshot, sign_in, sign_out

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

# email, role, the home's heading, the header's links (the last one is the account's name)
DEMO_ROLES = [
    ("manager@mcf.test", "manager", "Overview",
     ["Overview", "Orders", "Warehouse", "Quality", "Matching", "People", "Applicants", "Billing", "Bets", "Background work", "Emails", "Runs",
      "Marquise Whiskers"]),
    ("warehouse@mcf.test", "warehouse", "Kits to assemble", ["Kits", "Barsik Shelves"]),
    ("client@mcf.test", "client", "Hello, Tom Tabby", ["Dashboard", "Billing", "Tom Tabby"]),
    ("worker@mcf.test", "worker", "Job board", ["Job board", "Earnings", "Oliver Paws"]),
]


@pytest.mark.parametrize("email, role, heading, links", DEMO_ROLES, ids=[r[1] for r in DEMO_ROLES])
def test_each_demo_role_signs_in_to_its_own_home_and_out(page, demo, email, role, heading, links):
    page.goto("/login")
    expect(page.locator(".demo-accounts")).to_contain_text(email)

    sign_in(page, email)

    expect(page).to_have_url(re.compile(re.escape(HOMES[role]) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("header .nav-links a")).to_have_text([re.compile(re.escape(link)) for link in links])
    screenshot(page, f"home-{role}")
    page.set_viewport_size(PHONE)
    screenshot(page, f"home-{role}-phone")

    sign_out(page)
    expect(page.locator("#flashes")).to_contain_text("You are signed out.")
    page.goto(HOMES[role])
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_the_managers_header_is_one_row_of_groups_that_open_on_a_click(page, demo):
    sign_in(page, "manager@mcf.test")
    header = page.locator("header nav")
    groups = page.locator("header details.nav-group")
    expect(groups.locator("summary")).to_have_text(["Operations", "People", "Money", "System"])
    assert header.bounding_box()["height"] < 90  # one row, not three of wrapped links
    emails = header.get_by_role("link", name="Emails", exact=True)
    expect(emails).to_be_hidden()
    groups.filter(has_text="System").locator("summary").click()
    expect(emails).to_be_visible()
    screenshot(page, "nav-group-open")
    page.keyboard.press("Escape")  # closes the group, as a click elsewhere does
    expect(emails).to_be_hidden()
    groups.filter(has_text="System").locator("summary").click()
    emails.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emails")
    expect(page.locator("header details.nav-group summary.current")).to_have_text("System")


def test_the_client_home_offers_to_request_help(page, demo):
    sign_in(page, "client@mcf.test")
    expect(page.get_by_role("button", name="Request help").first).to_be_visible()
