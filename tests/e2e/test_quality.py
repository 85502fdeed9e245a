"""A failed order's quality case, from the queue to the result in both parties' mailboxes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import quality
from tests import factories
from tests.e2e.browsing import go_to, sign_in
from tests.portal.bets.factories import accepted_order, fail, kits_handed_out  # noqa: F401
from tests.waiting import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("kits_handed_out")]


def test_a_manager_closes_a_failed_orders_case_and_both_parties_are_emailed(page, db, jobs_worker):
    manager = factories.user("manager")
    quality.add_cause("Missed the bus", manager)
    client = factories.user("client", name="Client Cat")
    order = fail(accepted_order(client))
    worker = db.session.get(factories.User, order.worker_id)
    wait_for(lambda: db.session.scalar(select(quality.Case.id).where(quality.Case.order_id == order.id))
             or db.session.rollback(), message="the case to open")
    db.session.commit()

    sign_in(page, manager.email, factories.PASSWORD)
    go_to(page, "Quality")
    queue = page.locator("#case-queue")
    expect(queue).to_contain_text("failed")
    queue.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("failed")

    form = page.locator("#case-result-form")
    form.locator("fieldset").nth(0).get_by_label("Yes").check()
    form.locator("fieldset").nth(1).get_by_label("No").check()
    form.get_by_label("Findings").fill("The bus never came")
    form.get_by_label("Cause").select_option(label="Missed the bus")
    form.get_by_label("Hypothesis").fill("Pay for taxis when buses fail")
    form.get_by_role("button", name="Close the case and email the result").click()
    expect(page.locator("#case-result")).to_contain_text("The bus never came")

    go_to(page, "Emails")
    for person in (client, worker):
        expect(page.locator("#emails-table")).to_contain_text(person.email)
    expect(page.locator("#emails-table")).to_contain_text(f"What we found about order #{order.id}")
    expect(page.locator("#emails-table")).to_contain_text(f"The quality check of order #{order.id}")
