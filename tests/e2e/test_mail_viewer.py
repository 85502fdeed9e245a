"""A manager reads a kept email in the mail viewer, as its recipient would see it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.db import transaction
from portal.notifications import deliver_email, queue_email
from tests import factories
from tests.e2e.browsing import go_to, screenshot, sign_in

pytestmark = pytest.mark.e2e


def test_the_email_html_shows_in_its_sandboxed_frame_and_its_link_opens_outside(page, db, live_server):
    manager = factories.user("manager")
    with transaction():
        email = queue_email("tom@example.test", "invitation", "en", name="Tom", inviter="Ann",
                            role="manager", link=f"{live_server}/manager/people")
    deliver_email(email.id)  # no SMTP server here: kept for the viewer
    db.session.commit()

    sign_in(page, manager.email, factories.PASSWORD)
    expect(page).to_have_url(re.compile(r"/manager/$"))
    go_to(page, "Emails")
    expect(page.locator("#emails-table")).to_contain_text("tom@example.test")
    screenshot(page, "mail-viewer-list")
    page.get_by_role("link", name="You are invited to the MCF portal").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You are invited to the MCF portal")
    body = page.frame_locator("iframe.email-frame")
    expect(body.get_by_text("Ann has created an MCF staff account for you.")).to_be_visible()
    screenshot(page, "mail-viewer-email")
    with page.expect_popup() as popup:
        body.get_by_role("link", name="Choose your password").click()
    # A normal tab outside the sandbox, with the manager's session.
    expect(popup.value).to_have_url(f"{live_server}/manager/people")
    expect(popup.value.get_by_role("heading", level=1)).to_have_text("People")
    # The page fixture fails the test on any Content-Security-Policy violation.
