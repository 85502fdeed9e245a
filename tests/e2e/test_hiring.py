"""Hiring in the browser: apply → a manager assigns the test → the applicant takes it → the
manager accepts → the new worker chooses a password and lands on the job board."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import applicants, clock
from tests import factories
from tests.e2e.browsing import HOMES, go_to, sign_in
from tests.e2e.browsing import emailed_link as _link
from tests.portal.applicants import factories as af

pytestmark = pytest.mark.e2e


def test_apply_take_the_test_get_hired_and_sign_in(page, browser, live_server, db, tmp_path, jobs_worker):
    cleaning = af.vacancy("cleaning")
    test = applicants.save_test(None, "Tidiness", cleaning.id)
    applicants.add_question(test.id, "What comes first?", False, 1, [("Dusting", True), ("Mopping", False)])
    applicants.add_question(test.id, "Which are cleaning tools?", True, 2,
                            [("Broom", True), ("Mop", True), ("Hammer", False)])
    applicants.set_vacancy_default(cleaning.id, af.test_set(test, minutes=15, pass_mark=90, name="Cleaning basics").id)
    manager = factories.user("manager", name="Marquise Whiskers")
    db.session.commit()
    photo = tmp_path / "me.png"
    photo.write_bytes(factories.image_bytes(size=(120, 90)))

    # The applicant applies on the public site.
    page.goto("/careers/")
    page.get_by_role("button", name="Apply now").click()
    form = page.locator("#apply-form")
    form.get_by_label("Your name").fill("Mia Paws")
    form.get_by_label("Your email").fill("mia@example.test")
    form.get_by_label("Age, years").fill("3")
    form.get_by_label("Breed").fill("Siamese")
    form.get_by_label("Fur colour").fill("cream")
    form.get_by_label("The work you want to do").select_option(label=cleaning.name_en)
    form.get_by_label("A few words about yourself").fill("I keep every room spotless.")
    form.get_by_label("Your photo").set_input_files(str(photo))
    clock.advance(timedelta(minutes=2))  # the time a cat takes to fill it in
    form.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", name="Thank you, your application is sent")).to_be_visible()

    # A manager sends the vacancy's default test set.
    staff = browser.new_context(base_url=live_server, locale="en-US").new_page()
    sign_in(staff, manager.email, factories.PASSWORD)
    go_to(staff, "Applicants")
    staff.get_by_role("link", name="Mia Paws").click()
    expect(staff.get_by_label("Test set")).to_have_value(re.compile(r"\d+"))
    staff.get_by_role("button", name="Email the test link").click()
    expect(staff.get_by_text("The test link is emailed to the applicant.")).to_be_visible()

    # The applicant takes it through the emailed link; each answer is saved as it is given.
    page.goto(_link("mia@example.test", "applicant_test_assigned", r"http://portal\.test(/careers/test/\S+)"))
    page.get_by_role("button", name="Start the test").click()
    first = page.locator("form.question").nth(0)
    first.get_by_label("Dusting").check()
    expect(first.get_by_role("status")).to_have_text("Saved.")
    second = page.locator("form.question").nth(1)
    second.get_by_label("Broom").check()
    expect(second.get_by_role("status")).to_have_text("Saved.")
    second = page.locator("form.question").nth(1)
    second.get_by_label("Mop").check()
    expect(page.locator("form.question").nth(1).get_by_label("Mop")).to_be_checked()
    expect(page.locator("form.question").nth(1).get_by_role("status")).to_have_text("Saved.")
    page.get_by_role("button", name="Hand in my answers").click()
    expect(page.get_by_text("Your answers are in. Thank you!")).to_be_visible()

    # The manager sees the score and accepts, the strength suggested from the test.
    staff.reload()
    expect(staff.locator("#result")).to_contain_text("3 of 3 points")
    expect(staff.locator("#accept-form").get_by_label(cleaning.name_en).first).to_be_checked()
    staff.get_by_role("button", name="Accept and create the worker").click()
    expect(staff.get_by_text("Accepted.").first).to_be_visible()

    # The new worker chooses a password from the email and lands on the job board.
    page.goto(_link("mia@example.test", "worker_welcome", r"http://portal\.test(/set-password/\S+)"))
    page.get_by_label("Password", exact=True).fill("a good long password")
    page.get_by_label("Repeat the password").fill("a good long password")
    page.get_by_role("button", name=re.compile("password", re.I)).click()
    expect(page).to_have_url(re.compile(re.escape(HOMES["worker"]) + "$"))
    expect(page.get_by_text("Welcome to MCF, Mia Paws!")).to_be_visible()
