"""Someone sends an application again with a known email: the owner of the address sees the
new details through the emailed link and confirms them in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.applicants.models import Application
from tests.e2e.browsing import emailed_link
from tests.portal.applicants import factories as af

pytestmark = pytest.mark.e2e


def test_the_owner_confirms_the_details_sent_again_from_the_emailed_link(page, db):
    af.application(email="mia@example.test", name="Mia Paws", breed="Siamese")
    af.application(email="mia@example.test", name="Mia Paws", breed="Burmese")
    db.session.commit()

    page.goto(emailed_link("mia@example.test", "applicant_change_confirm", r"http://portal\.test(/careers/changes/\S+)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the changes to your application")
    expect(page.locator("dl.facts")).to_contain_text("Burmese")
    assert db.session.scalar(select(Application.breed)) == "Siamese"
    db.session.rollback()

    page.get_by_role("button", name="Yes, update my application").click()  # with its CSRF token

    expect(page.get_by_role("heading", level=1)).to_have_text("Your application is updated")
    assert db.session.scalar(select(Application.breed)) == "Burmese"
    db.session.rollback()
    status = emailed_link("mia@example.test", "applicant_received", r"http://portal\.test(/careers/status/\S+)")
    page.goto(status)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your application, Mia Paws")
