"""What a user does in the browser, in words the tests can share."""

from __future__ import annotations

import re
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from babel.support import Translations
from playwright.sync_api import Page, expect
from sqlalchemy import select

from portal.config import ROOT
from portal.db import db
from portal.notifications import Email
from portal.people.demo import DEMO_PASSWORD
from tests.waiting import wait_for

RESULTS = ROOT / "test-results"  # screenshots; gitignored

# Where each role lands after signing in (an applicant, who has no account: the careers site).
HOMES = {"manager": "/manager/", "warehouse": "/warehouse/", "client": "/client/", "worker": "/worker/",
         "applicant": "/careers/"}


def go_to(page: Page, link: str) -> None:
    """Follow a header link; a manager's links sit in groups that open on a click first."""
    header = page.locator("header")
    # By its text: a link in a closed group is hidden, so not a "link" role until it opens.
    named = page.locator("a").filter(has_text=re.compile("^" + re.escape(link) + "$"))
    target = header.locator(named)
    expect(target).to_have_count(1)  # the page with the link has loaded (after signing in, say)
    group = header.locator("details.nav-group").filter(has=named)
    if group.count():
        group.locator("summary").click()
    target.click()


def emailed_link(to: str, template: str, pattern: str) -> str:
    """The path of the link in the newest ``template`` email to ``to`` (from the mail store),
    as the recipient would follow it; ``pattern`` has one group, the path."""
    def found():
        body = db.session.scalar(select(Email.text_body).where(Email.to == to, Email.template == template)
                                 .order_by(Email.id.desc()).limit(1))
        db.session.rollback()
        return body and re.search(pattern, body)
    wait_for(found)
    return found().group(1)


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in and send the sign-in form; the caller checks where it lands."""
    if not re.search(r"/login(\?|$)", page.url):
        page.goto("/login")
    form = page.locator("#login-form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()


def sign_out(page: Page) -> None:
    """Press "Sign out" in the header and wait for the sign-in page."""
    page.locator("header form[action$='/logout'] button").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def choose_language(page: Page, code: str) -> None:
    """Press a language button in the header (they are labelled with the language code)."""
    page.locator(f".lang-switch button[value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


@contextmanager
def without_reload(page: Page):
    """Assert that what happens inside the block does not load a new document."""
    page.evaluate("window.__sameDocument = true")
    yield
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


@cache
def _catalogue(lang: str) -> Translations:
    return Translations.load(str(ROOT / "portal" / "translations"), [lang])


def translated(text: str, lang: str = "ru") -> str:
    """``text`` as the portal's compiled catalogue renders it (English while untranslated)."""
    return _catalogue(lang).gettext(text)


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as test-results/<name>.png, for people (and CI artefacts) to look at."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name.replace('/', '_')}.png"
    # caret="initial": hiding the caret leaves style="" on inputs, which htmx's settle then
    # copies onto swapped-in inputs, a CSP violation the page itself never causes.
    page.screenshot(path=path, full_page=True, caret="initial")
    return path


# The header's links of each demo account (the last one is the account's own name).
NAV_LINKS = {
    "manager": ["Overview", "Orders", "Warehouse", "Quality", "Matching", "People", "Applicants", "Billing", "Bets",
                "Background work", "Emails", "Runs", "Marquise Whiskers"],  # all but Overview in header groups
    "warehouse": ["Kits", "Barsik Shelves"],
    "client": ["Dashboard", "Billing", "Tom Tabby"],
    "worker": ["Job board", "Earnings", "Oliver Paws"],
    "applicant": ["Work with MCF", "Apply"],  # the public careers site: no account
}


def expect_whole_page(page: Page, role: str, heading: str | re.Pattern) -> None:
    """The page has its header with the role's navigation and its own heading: not a bare
    fragment, not an error page."""
    expect(page.locator("header.site-header .nav-links a")).to_have_text(
        [re.compile(re.escape(link)) for link in NAV_LINKS[role]])
    expect(page.locator("main#main h1")).to_have_text(heading)
    expect(page.locator("footer.site-footer")).to_be_visible()
