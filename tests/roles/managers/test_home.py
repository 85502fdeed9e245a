"""The managers' overview: what needs action now, each counted and linked to its filtered list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from portal import clock, warehouse
from portal.client_billing import Invoice
from portal.db import db
from portal.events import OutboxEvent
from portal.notifications import Email
from portal.quality import Case
from tests import factories
from tests.portal.orders.factories import book
from tests.portal.warehouse.factories import opened_kit

ATTENTION = re.compile(
    r'<a class="stat[^"]*" href="([^"]+)">\s*<span class="stat-number">(\d+)</span>\s*'
    r'<span class="stat-label">([^<]+)</span>')


def attention(page) -> dict[str, tuple[int, str]]:
    """The overview's "needs action now" tiles: label → (count, link)."""
    html = page.get_data(as_text=True)
    section = html[html.index('id="attention-title"'):html.index("</section>", html.index('id="attention-title"'))]
    return {label.strip(): (int(n), href.replace("&amp;", "&")) for href, n, label in ATTENTION.findall(section)}


def _needs_action(manager) -> None:
    """An order today with a worker and a kit not ready, one waiting for a worker, an open case,
    an unpaid invoice and a failed email."""
    factories.user("worker")
    matched = book(hours_ahead=1)
    waiting = book(hours_ahead=1)
    assert (matched.state, waiting.state) == ("assigned", "awaiting_worker")
    opened_kit(matched)
    now = clock.now()
    db.session.execute(insert(Case), [dict(order_id=matched.id, reason="problem", state="open",
                                           client_id=matched.client_id, worker_id=None, service_type="chore",
                                           complaint="", opened_at=now, findings="", hypothesis="")])
    db.session.execute(insert(Invoice), [dict(client_id=matched.client_id, week_key="2026-W49", amount_cents=900,
                                              charge_count=1, state="unpaid", tries=5, last_failure="declined",
                                              issued_at=now, batch="test")])
    db.session.execute(insert(Email), [dict(to="gone@example.test", language="en", template="welcome",
                                            subject="Welcome", text_body="Hello", html_body="<p>Hello</p>",
                                            state="failed", attempts=5, created_at=now, next_attempt_at=None)])
    db.session.commit()


def test_the_overview_counts_what_needs_action_and_links_to_each_filtered_list(client, login_as):
    clock.freeze(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    manager = login_as("manager")
    _needs_action(manager)

    tiles = attention(client.get("/manager/"))
    assert {label: n for label, (n, _) in tiles.items()} == {
        "orders today": 2, "order waiting for a worker": 1,
        "kit not ready for an order starting within 2 hours": 1, "open quality case": 1,
        "unpaid invoice": 1, "failed email": 1, "unconfirmed events": 0}

    # Each tile's link shows the list with that many rows.
    orders_today = client.get(tiles["orders today"][1]).get_data(as_text=True)
    assert "2 orders" in orders_today
    waiting = client.get(tiles["order waiting for a worker"][1]).get_data(as_text=True)
    assert "1 order<" in waiting and "waiting for a worker" in waiting
    kits = client.get(tiles["kit not ready for an order starting within 2 hours"][1]).get_data(as_text=True)
    assert "1 kit<" in kits
    cases = client.get(tiles["open quality case"][1]).get_data(as_text=True)
    assert f"#{db.session.scalar(select(Case.order_id))}" in cases
    assert tiles["unpaid invoice"][1] == "/manager/billing#unpaid"
    emails = client.get(tiles["failed email"][1]).get_data(as_text=True)
    assert "gone@example.test" in emails

    # Events nobody confirmed within the resend interval show up; the link leads to the re-send button.
    clock.advance(timedelta(seconds=31))
    tiles = attention(client.get("/manager/"))
    pending = db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.done_at.is_(None)))
    assert pending > 0
    label = "unconfirmed event" if pending == 1 else "unconfirmed events"
    assert tiles[label] == (pending, "/manager/runs")
    runs_page = client.get("/manager/runs").get_data(as_text=True)
    assert "Re-send unconfirmed events now" in runs_page
    assert f"{pending} event{'' if pending == 1 else 's'} {'is' if pending == 1 else 'are'} not confirmed yet." in runs_page


def test_a_kit_stops_counting_once_ready_or_when_its_order_is_further_than_2_hours(client, login_as):
    clock.freeze(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    login_as("manager")
    factories.user("worker")
    factories.user("worker")
    opened_kit(book(hours_ahead=3))
    kit = opened_kit(book(hours_ahead=1.5))
    assert attention(client.get("/manager/"))["kit not ready for an order starting within 2 hours"][0] == 1
    staff = factories.user("warehouse")
    warehouse.mark_cookie_received(kit.id, staff)
    warehouse.mark_ready(kit.id, staff)
    assert attention(client.get("/manager/"))["kits not ready for orders starting within 2 hours"][0] == 0


def test_the_overview_speaks_russian_with_plural_forms(client, login_as):
    clock.freeze(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    manager = login_as("manager", language="ru")
    _needs_action(manager)
    tiles = attention(client.get("/manager/"))
    assert tiles["заказа сегодня"][0] == 2
    assert tiles["заказ ждёт исполнителя"][0] == 1
    assert tiles["неоплаченный счёт"][0] == 1
    assert tiles["неподтверждённых событий"][0] == 0


def test_the_managers_header_groups_its_links_and_marks_the_current_group(client, login_as):
    login_as("manager")
    html = client.get("/manager/emails").get_data(as_text=True)
    header = html[html.index("<header"):html.index("</header>")]
    groups = re.findall(r'<summary( class="current")?>([^<]+)</summary>', header)
    assert [name for _, name in groups] == ["Operations", "People", "Money", "System"]
    assert [name for current, name in groups if current] == ["System"]
    system = header[header.index(">System<"):]
    assert 'href="/manager/emails" aria-current="page"' in system
    assert header.count("<li><a href=") == 14  # the brand, the 12 pages and the account
    assert 'href="/manager/operations"' in system
