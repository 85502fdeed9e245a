"""htmx history (issue 10): Back, Forward and refresh show the whole page, never a fragment,
a 286 or an error page.

htmx restores a history entry it has no copy of by fetching its URL with ``HX-Request`` and
``HX-History-Restore-Request`` and swapping the answer in for the whole ``<body>``. Every URL a
role can reach by a boosted link (all of them are pushed into history) or by a filter that
pushes its query must then answer with its full page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from sqlalchemy import select

from portal import clock
from portal import demo as demo_data
from portal.bets import BetBook
from portal.orders import FINAL_STATES, Order
from portal.people import User
from portal.quality import Case
from portal.runs import JobRun
from portal.people.demo import DEMO_PASSWORD
from tests import factories
from tests.portal.orders.factories import book

RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true", "HX-Current-URL": "http://localhost/"}
HOMES = {"client": "/client/", "worker": "/worker/", "warehouse": "/warehouse/", "manager": "/manager/"}
EMAILS = {"client": "client@mcf.test", "worker": "worker@mcf.test", "warehouse": "warehouse@mcf.test",
          "manager": "manager@mcf.test"}
# What the header shows each role: the history restore must bring it back.
NAV = {"client": ["Dashboard", "Billing"], "worker": ["Job board", "Earnings"], "warehouse": ["Kits"],
       "manager": ["Overview", "Orders", "People", "Quality", "Applicants", "Emails", "Runs"]}
# Filters that push their query into history (hx-push-url on a targeted form).
PUSHED_QUERIES = {
    "manager": ["/manager/orders?q=cat", "/manager/people?q=cat", "/manager/applicants?q=cat",
                "/manager/emails?q=cat", "/manager/quality?state=open", "/manager/orders?page=2"],
    "warehouse": ["/warehouse/?state=ready"],
    "client": ["/client/?page=2"],
    "worker": ["/worker/?page=2"],
}
# Not pages: pictures, downloads, an email's body shown in a frame, actions.
NOT_PAGES = re.compile(r"/static/|/photos?/|/photo$|worker-photo|\.csv$|/html$|/logout$|^/language$")


def _links(html: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in re.findall(r'<a [^>]*href="(/[^"#]*)"', html)}


def _shape(url: str) -> str:
    """One URL per kind of page: ``/client/orders/12`` and ``/client/orders/13`` are one page."""
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + "?" + ",".join(sorted(re.findall(r"([\w-]+)=", parts.query)))


def _pages(client, role: str, first: list[str], limit: int = 80) -> list[str]:
    """``first``, then every kind of page the role reaches by following links from its home."""
    todo, seen, pages = [*first, HOMES[role], *PUSHED_QUERIES[role]], set(), []
    while todo and len(pages) < limit:
        url = todo.pop(0)
        if _shape(url) in seen or NOT_PAGES.search(urlsplit(url).path):
            continue
        seen.add(_shape(url))
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue  # a redirect or another role's page: not this role's history
        pages.append(url)
        todo.extend(sorted(_links(response.get_data(as_text=True))))
    return pages


def _heading(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


@pytest.fixture
def demo_portal(client, db):
    """The demo data (orders in every state, kits, applications, emails) and what the polling
    endpoints answer 286 for once there is nothing more to wait for: final orders, a finished
    run, a settled bet book; a quality case."""
    demo_data.load()
    now = clock.now()
    run = JobRun(kind="weekly_invoices", period_key="history-test", state="done", total=1, done=1,
                 created_at=now, finished_at=now)
    final = {role: db.session.scalar(select(Order.id).join(User, getattr(Order, f"{role}_id") == User.id)
                                     .where(User.email == EMAILS[role], Order.state.in_(FINAL_STATES)).limit(1))
             for role in ("client", "worker")}
    assert all(final.values()), final
    db.session.add(run)
    # The demo may have settled a book or opened a case already; else the test makes one.
    settled = db.session.scalar(select(BetBook.order_id).where(BetBook.state == "settled").limit(1))
    if settled is None:
        settled = db.session.scalar(select(Order.id).where(Order.state.in_(FINAL_STATES),
                                                           Order.id.not_in(select(BetBook.order_id))).limit(1))
        db.session.add(BetBook(order_id=settled, state="settled", opened_at=now, settled_at=now,
                               outcome="completed", pool_cents=0, house_cents=0))
    if db.session.scalar(select(Case.id).limit(1)) is None:
        order = db.session.get(Order, final["client"])
        db.session.add(Case(order_id=order.id, reason="failed", state="open", client_id=order.client_id,
                            worker_id=None, service_type="chore", complaint="", opened_at=now, findings="",
                            hypothesis=""))
    db.session.commit()
    return client, {
        "client": [f"/client/orders/{final['client']}"],
        "worker": [f"/worker/orders/{final['worker']}"],
        "warehouse": [],
        "manager": [f"/manager/runs/{run.id}/progress", f"/manager/bets/orders/{settled}",
                    f"/manager/orders/{final['client']}"],
    }


def test_back_and_forward_to_any_page_of_any_role_restore_the_whole_page(demo_portal):
    client, final_pages = demo_portal  # the demo data is loaded once: it takes seconds
    for role in HOMES:
        response = client.post("/login", data={"email": EMAILS[role], "password": DEMO_PASSWORD})
        assert response.status_code in (302, 303)
        pages = _pages(client, role, final_pages[role])
        assert len(pages) >= {"client": 4, "worker": 3, "warehouse": 1, "manager": 15}[role], pages

        for url in pages:
            page = client.get(url).get_data(as_text=True)
            restored = client.get(url, headers=RESTORE)
            html = restored.get_data(as_text=True)
            assert restored.status_code == 200, f"{role} {url}: {restored.status_code} to a history restore"
            assert '<header class="site-header">' in html and "</html>" in html, f"{role} {url}: a bare fragment"
            for link in NAV[role]:
                assert f">{link}</a>" in html, f"{role} {url}: the header has no {link!r}"
            assert _heading(html) == _heading(page), f"{role} {url}: not the page's own content"
        client.post("/logout")


def test_a_final_order_stops_its_polling_but_its_page_comes_back_whole(client, login_as, db):
    me = login_as("client")
    order = book(client=me)
    factories.user("worker")
    client.post(f"/client/orders/{order.id}/cancel")
    url = f"/client/orders/{order.id}"
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 286
    restored = client.get(url, headers=RESTORE)
    assert restored.status_code == 200 and b'class="site-header"' in restored.data
    assert b"cancelled" in restored.data
    assert client.get(url, headers={"HX-Request": "true", "HX-Boosted": "true"}).status_code == 200


def test_a_form_answered_with_its_errors_keeps_the_page_url_in_the_address_bar(client, login_as, db):
    login_as("client")
    boosted = {"HX-Request": "true", "HX-Boosted": "true"}
    response = client.post("/client/orders/new", data={"service_type": "", "description": ""}, headers=boosted)
    assert response.status_code == 200
    # htmx would otherwise push the URL the form was sent to.
    assert response.headers["HX-Push-Url"] == "false"


def test_a_form_that_succeeds_lands_on_the_page_it_redirects_to(client, login_as, db):
    me = login_as("client")
    order = book(client=me)
    factories.user("worker")
    boosted = {"HX-Request": "true", "HX-Boosted": "true"}
    response = client.post(f"/client/orders/{order.id}/cancel", headers=boosted)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/client/orders/{order.id}")


@pytest.mark.parametrize(("action", "page"), [
    ("/worker/orders/38/check-in", "/worker/orders/38"),
    ("/worker/orders/38/finish", "/worker/orders/38"),
    ("/client/billing/invoices/5/pay", "/client/billing/invoices/5"),  # the invoice page
    ("/client/billing/card/remove", "/client/billing"),
    ("/client/orders/7/rate", "/client/orders/7"),
    ("/manager/matching/steps/3/move", "/manager/matching"),
    ("/manager/billing/runs/weekly", "/manager/billing"),
    ("/warehouse/kits/4/ready", "/warehouse/"),
    ("/logout", "/"),
])
def test_an_action_url_opened_by_hand_leads_to_the_page_above_it(client, action, page):
    response = client.get(action)
    assert response.status_code == 303 and response.headers["Location"] == page


def test_an_action_sent_the_wrong_way_is_still_refused(client, login_as):
    login_as("client")
    assert client.delete("/client/orders/7/rate").status_code == 405
    assert client.post("/client/billing").status_code == 405
