"""Back, Forward and reload (issue 10): every role walks its main pages, then goes Back and
Forward over each and reloads each, and always sees the whole page with its header,
navigation and its own content. A rejected check-in photo, then reload, shows the job again.

The portal keeps no history snapshots (``historyCacheSize: 0``), so every Back and Forward asks
the server for the page (an htmx history restore): exactly the path that broke.
"""

from __future__ import annotations

import re
import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.browsing import HOMES, expect_whole_page, sign_in
from tests.portal.orders.factories import book, service_type
from tests.portal.warehouse.factories import issued_kit

pytestmark = pytest.mark.e2e

ORDER_HEADING = re.compile(r"· #\d+\b")


def nav(name: str):
    return lambda page: page.locator("header .nav-links").get_by_role("link", name=name, exact=True).click()


def first(selector: str):
    return lambda page: page.locator(selector).first.click()


def type_in(name: str, text: str):
    """Type into a list's filter: the filter pushes its query into history."""
    return lambda page: page.locator(f"main form input[name={name}]").fill(text)


# Each step: what the user does, the address it leads to, the heading of the page it shows.
WALKS = {
    "client": [
        (nav("Billing"), r"/client/billing$", "Billing"),
        (nav("Dashboard"), r"/client/$", "Hello, Tom Tabby"),
        (first("main a[href*='/client/orders/']:not([href$='/new'])"), r"/client/orders/\d+$", ORDER_HEADING),
        (nav("Tom Tabby"), r"/account$", "Your account"),
    ],
    "worker": [
        (nav("Earnings"), r"/worker/earnings$", "Earnings"),
        (nav("Job board"), r"/worker/$", "Job board"),
        (first("main a[href*='/worker/orders/']"), r"/worker/orders/\d+$", ORDER_HEADING),
        (nav("Oliver Paws"), r"/account$", "Your account"),
    ],
    "warehouse": [
        (lambda page: page.locator("main select[name=state]").select_option("ready"), r"/warehouse/\?.*state=ready",
         "Kits to assemble"),
        (nav("Barsik Shelves"), r"/account$", "Your account"),
        (nav("Kits"), r"/warehouse/$", "Kits to assemble"),
    ],
    "applicant": [
        (nav("Apply"), r"/careers/apply$", "Apply to MCF"),
        (nav("Work with MCF"), r"/careers/$", "Become an MCF worker"),
        (first("main a[href$='/careers/apply']"), r"/careers/apply$", "Apply to MCF"),
    ],
    "manager": [
        (nav("Orders"), r"/manager/orders$", "Orders"),
        (type_in("client", "Tom"), r"/manager/orders\?.*client=Tom", "Orders"),
        (first("main #orders-table a[href*='/manager/orders/']"), r"/manager/orders/\d+$", ORDER_HEADING),
        (nav("People"), r"/manager/people$", "People"),
        (nav("Quality"), r"/manager/quality$", "Quality"),
        (nav("Applicants"), r"/manager/applicants$", "Applicants"),
        (nav("Emails"), r"/manager/emails$", "Emails"),
        (nav("Runs"), r"/manager/runs$", "Background runs"),
        (nav("Billing"), r"/manager/billing$", "Billing"),
        (nav("Bets"), r"/manager/bets$", "Bets"),
        (nav("Warehouse"), r"/warehouse/$", "Kits to assemble"),
        (nav("Overview"), r"/manager/$", "Overview"),
    ],
}
EMAILS = {"applicant": None, "client": "client@mcf.test", "worker": "worker@mcf.test", "warehouse": "warehouse@mcf.test",
          "manager": "manager@mcf.test"}
HOME_HEADINGS = {"applicant": "Become an MCF worker", "client": "Hello, Tom Tabby", "worker": "Job board", "warehouse": "Kits to assemble",
                 "manager": "Overview"}


def _at(page: Page, role: str, address: str, heading) -> None:
    expect(page).to_have_url(re.compile(address))
    expect_whole_page(page, role, heading)


@pytest.mark.parametrize("role", list(WALKS))
def test_back_forward_and_reload_on_every_main_page_show_the_whole_page(page, demo, role):
    if EMAILS[role]:
        sign_in(page, EMAILS[role])
    else:
        page.goto(HOMES[role])
    walked = [(re.escape(HOMES[role]) + "$", HOME_HEADINGS[role])]
    _at(page, role, *walked[0])
    for act, address, heading in WALKS[role]:
        act(page)
        _at(page, role, address, heading)
        walked.append((address, heading))

    for address, heading in reversed(walked[:-1]):
        page.go_back()
        _at(page, role, address, heading)
        page.reload()
        _at(page, role, address, heading)
    for address, heading in walked[1:]:
        page.go_forward()
        _at(page, role, address, heading)
        page.reload()
        _at(page, role, address, heading)


def test_a_rejected_check_in_photo_keeps_the_jobs_address_and_reload_shows_the_job(page, db):
    worker = factories.user("worker", name="Oliver Paws")
    order = book(service=service_type(name_en="Cleaning"), hours_ahead=0.25)
    assert order.worker_id == worker.id
    issued_kit(order)
    db.session.commit()
    job = f"/worker/orders/{order.id}"

    sign_in(page, worker.email, factories.PASSWORD)
    page.locator(f"main a[href='{job}']").first.click()
    _at(page, "worker", re.escape(job) + "$", ORDER_HEADING)
    page.get_by_label(re.compile("^Photo")).set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo at all"})
    page.get_by_role("button", name="Started").click()
    expect(page.locator("main form .field-error, main form [role=alert]").first).to_be_visible()

    _at(page, "worker", re.escape(job) + "$", ORDER_HEADING)  # not the form's /check-in
    page.reload()
    _at(page, "worker", re.escape(job) + "$", ORDER_HEADING)
    expect(page.get_by_role("button", name="Started")).to_be_visible()
    page.go_back()
    _at(page, "worker", r"/worker/$", "Job board")
