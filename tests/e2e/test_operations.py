"""A manager watches the background work: the operations page keeps itself up to date while
its tab is shown, and asks nothing while it is hidden."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import clock, operations
from tests import factories
from tests.e2e.browsing import go_to, screenshot, sign_in, without_reload

pytestmark = pytest.mark.e2e

_HIDE = """hidden => {
  Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def test_the_page_follows_the_scheduler_live_and_rests_while_hidden(page, db):
    manager = factories.user("manager")
    db.session.commit()
    polls = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-request") and
            r.url.endswith("/manager/operations") and r.method == "GET" else None)

    sign_in(page, manager.email, factories.PASSWORD)
    expect(page).to_have_url(re.compile(r"/manager/$"))
    go_to(page, "Background work")
    expect(page.locator("#scheduler-down")).to_contain_text("No scheduler has ever ticked")
    screenshot(page, "operations-scheduler-down")

    with without_reload(page):
        operations.beat(operations.SCHEDULER, "cats-1:4242")  # the scheduler starts
        expect(page.locator("#scheduler-down")).to_have_count(0)
        expect(page.locator("#operations-live")).to_contain_text("cats-1:4242")

        page.evaluate(_HIDE, True)
        seen = len(polls)
        clock.advance(timedelta(minutes=3))  # the scheduler stops ticking while nobody looks
        page.wait_for_timeout(6_000)  # longer than one polling interval: a hidden tab asks nothing
        assert len(polls) == seen
        expect(page.locator("#scheduler-down")).to_have_count(0)

        page.evaluate(_HIDE, False)  # shown again: brought up to date at once
        expect(page.locator("#scheduler-down")).to_contain_text("The scheduler has not ticked since")
    assert len(polls) > seen
