"""A worker who reads the portal in Russian disputes a fine; a manager who reads it in English
corrects it; the worker's statement shows the correction, in Russian, next to the fine."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.notifications import Email
from tests import factories
from tests.e2e.browsing import go_to, screenshot, sign_in, translated, without_reload
from tests.portal.ledger.billing import finish
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e


def test_a_worker_disputes_a_fine_and_a_manager_corrects_it(page, browser, live_server, db):
    manager = factories.user("manager", name="Boss Cat")
    worker = factories.user("worker", name="Oliver Paws", language="ru")
    finish(factories.user("client").id, worker.id, "failed")
    db.session.commit()

    # The worker, in Russian: "Оспорить" next to the fine, a reason, sent without leaving the page.
    sign_in(page, worker.email, factories.PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.goto("/worker/earnings")
    fine = page.locator("tbody tr", has_text=translated("fine"))
    with without_reload(page):
        fine.locator("summary", has_text=translated("Dispute")).click()
        fine.get_by_label(translated("What is wrong with this line?")).fill("Клиента не было дома.")
        fine.get_by_role("button", name=translated("Send the dispute")).click()
        expect(fine).to_contain_text(translated("disputed: a manager is looking"))
    expect(fine.locator("textarea")).to_have_count(0)  # one open dispute per line
    screenshot(page, "dispute-worker-ru")

    # The manager, in English, finds it in the quality queue and corrects the fine.
    manager_context = browser.new_context(base_url=live_server, locale="en-US")
    manager_page = manager_context.new_page()
    try:
        sign_in(manager_page, manager.email, factories.PASSWORD)
        go_to(manager_page, "Quality")
        row = manager_page.locator("#case-queue tr", has_text="disputed statement line")
        row.get_by_role("link", name=re.compile(r"^#\d+$")).click()
        expect(manager_page.locator("#disputed-line")).to_contain_text("Клиента не было дома.")
        expect(manager_page.locator("#disputed-line")).to_contain_text("Oliver Paws")
        form = manager_page.locator("#dispute-decision-form")
        form.get_by_label("Correct it in the disputer's favour").check()
        form.get_by_label("Correction").fill("40")
        form.get_by_label("Why (the disputer reads this)").fill("The client confirmed they were out.")
        asked = []
        manager_page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        form.get_by_role("button", name="Record the decision and email it").click()
        expect(manager_page.locator("#case-result")).to_contain_text("corrected by 40.00")
        assert "A correction moves money" in asked[0]
        screenshot(manager_page, "dispute-manager-en")
    finally:
        manager_context.close()

    # Back on the worker's statement: the fine stays, the correction is next to it, in Russian.
    page.reload()
    fine = page.locator("tbody tr", has_text=translated("fine"))
    expect(fine).to_contain_text(re.compile(r"исправлено на 40,00"))
    expect(fine).to_contain_text("The client confirmed they were out.")
    expect(page.locator("tbody tr", has_text=translated("correction after a dispute"))).to_contain_text("40,00")

    def subject():
        found = db.session.scalar(select(Email.subject).where(Email.to == worker.email,
                                                              Email.template == "dispute_result"))
        db.session.rollback()
        return found
    wait_for(subject, message="the worker's email")
    assert subject().startswith("Решение по вашему спору: исправлено на 40,00")
