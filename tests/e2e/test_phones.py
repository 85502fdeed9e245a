"""Phones, 390 px wide (issue 10): the pages people use on the move read without sideways
scrolling; the worker's job board shows each job's status and kit within the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import HOMES, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
PAGES = {
    "client@mcf.test": ["/client/", "/client/billing"],
    "worker@mcf.test": ["/worker/", "/worker/earnings"],
    "warehouse@mcf.test": ["/warehouse/"],
    "manager@mcf.test": ["/manager/", "/manager/orders", "/manager/people", "/manager/applicants", "/manager/emails",
                         "/manager/quality", "/manager/runs", "/manager/bets", "/manager/billing"],
    # Russian words are longer: the same pages in Russian.
    "client.ru@mcf.test": ["/client/"],
    "worker.ru@mcf.test": ["/worker/"],
    "manager.ru@mcf.test": ["/manager/orders", "/manager/people", "/manager/applicants", "/manager/emails"],
}
ROLES = {email: email.split("@")[0].split(".")[0] for email in PAGES}


# What scrolls sideways: the page itself, or a box inside it (a table in a scrolling wrapper).
SIDEWAYS = """() => {
  const found = [];
  const page = document.documentElement.scrollWidth - window.innerWidth;
  if (page > 0) found.push(`the page by ${page} px`);
  for (const el of document.querySelectorAll("main *")) {
    const extra = el.scrollWidth - el.clientWidth;
    if (extra > 1 && ["auto", "scroll"].includes(getComputedStyle(el).overflowX)) {
      found.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className} by ${extra} px`);
    }
  }
  return found;
}"""


def _sideways(page: Page) -> list[str]:
    """What scrolls sideways on this page (nothing, on a phone-friendly page)."""
    return page.evaluate(SIDEWAYS)


def _within_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def _demo_record_ids(app) -> dict[str, int]:
    """The demo worker's and client's ids, for their records' URLs."""
    from portal import people
    from portal.db import db

    with app.app_context():
        try:
            return {role: people.search_people(role, f"{role}@mcf.test", 1).items[0].id for role in ("worker", "client")}
        finally:
            db.session.remove()


# A person's record has the widest tables a manager reads (a test of its own: time limits).
RECORDS = {email: ["/manager/people/{worker}", "/manager/people/{client}"]
           for email in ("manager@mcf.test", "manager.ru@mcf.test")}


@pytest.mark.parametrize("pages", [PAGES, RECORDS], ids=["pages", "records"])
def test_pages_read_without_sideways_scrolling_on_a_phone(app, browser, live_server, demo, pages):
    wide, ids = {}, _demo_record_ids(app)
    for email, urls in pages.items():  # one test: the demo data takes seconds to load
        context = browser.new_context(base_url=live_server, locale="en-US", viewport=PHONE, is_mobile=True,
                                      has_touch=True)
        page = context.new_page()
        try:
            sign_in(page, email)
            expect(page).to_have_url(re.compile(re.escape(HOMES[ROLES[email]]) + "$"))
            for url in urls:
                page.goto(url.format(**ids))
                expect(page.locator("main h1")).to_be_visible()
                if scrolling := _sideways(page):
                    wide[f"{email} {url}"] = scrolling
        finally:
            context.close()
    assert not wide, f"scrolls sideways on a {PHONE['width']} px phone: {wide}"


def test_the_job_board_shows_each_jobs_status_and_kit_on_a_phone(browser, live_server, demo):
    context = browser.new_context(base_url=live_server, locale="en-US", viewport=PHONE, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, "worker@mcf.test")
        expect(page).to_have_url(re.compile(r"/worker/$"))
        jobs = page.locator("section[aria-labelledby=active-heading] tbody tr")
        expect(jobs.first).to_be_visible()
        for i in range(jobs.count()):
            for column in ("Client", "Kit", "Status"):
                cell = jobs.nth(i).locator(f"td[data-label={column}]")
                expect(cell).to_contain_text(re.compile(r"\S"))
                expect(cell).to_be_visible()
                assert _within_screen(cell), f"job {i + 1}: its {column} is off the screen"
    finally:
        context.close()
