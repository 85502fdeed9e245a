"""What order pages say in words and colours: what was charged, and a badge per state."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from flask import render_template_string

from portal import clock, orders
from portal.client_billing import Charge
from portal.db import db
from portal.notifications import Email
from tests import factories
from tests.portal.orders.factories import book

CSS = (Path(__file__).resolve().parents[2] / "static/css/portal.css").read_text()


def _facts(html: str) -> dict[str, str]:
    """The order page's facts list: term → text (tags and spacing dropped)."""
    facts = html[html.index('<dl class="facts">'):html.index("</dl>", html.index('<dl class="facts">'))]
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", facts, re.S)
    return {dt: " ".join(re.sub(r"<[^>]+>", " ", dd).replace("\u00a0", " ").split()) for dt, dd in pairs}


def _charge(order, price=10_000, percent=10) -> None:
    discount = price * percent // 100
    db.session.add(Charge(order_id=order.id, client_id=order.client_id, outcome=order.state, price_cents=price,
                          discount_percent=percent, discount_cents=discount, amount_cents=price - discount,
                          charged_at=clock.now()))
    db.session.commit()


def test_a_cancelled_order_says_what_was_charged_once_it_is(client, login_as, app):
    me = login_as("client")
    factories.user("worker")
    order = book(client=me)
    assert _facts(client.get(f"/client/orders/{order.id}").get_data(as_text=True))["Price"] == (
        "100.00 CU less the loyalty discount when charged")
    client.post(f"/client/orders/{order.id}/cancel")
    assert _facts(client.get(f"/client/orders/{order.id}").get_data(as_text=True))["Price"] == (
        "100.00 CU being charged, less the loyalty discount")

    _charge(order)
    facts = _facts(client.get(f"/client/orders/{order.id}").get_data(as_text=True))
    assert "Price" not in facts
    assert facts["Charged"] == "90.00 CU the price 100.00 CU less a 10% loyalty discount"

    manager = app.test_client()
    boss = factories.user("manager")
    manager.post("/login", data={"email": boss.email, "password": factories.PASSWORD})
    assert _facts(manager.get(f"/manager/orders/{order.id}").get_data(as_text=True))["Charged"].startswith("90.00 CU")


def test_a_failed_order_says_nothing_about_a_price(client, login_as, app):
    me = login_as("client")
    factories.user("worker")
    order = book(client=me, hours_ahead=1)
    clock.freeze(order.starts_at + timedelta(minutes=31))
    orders.fail_no_shows()
    html = client.get(f"/client/orders/{order.id}").get_data(as_text=True)
    facts = _facts(html)
    assert "Price" not in facts and "Charged" not in facts
    assert "You are not charged for this order." in html

    manager = app.test_client()
    boss = factories.user("manager")
    manager.post("/login", data={"email": boss.email, "password": factories.PASSWORD})
    listing = manager.get("/manager/orders?state=failed").get_data(as_text=True)
    assert f"#{order.id}" in listing and "100.00" not in listing and "This order is not charged." in listing


def _badge(state: str) -> str:
    return render_template_string("{{ order_state(state) }}", state=state)


def _colours(state: str) -> str | None:
    rule = re.search(r"\.badge-order-" + state + r" \{([^}]*)\}", CSS)
    return rule and rule.group(1)


def test_each_order_state_has_a_badge_of_its_own_colour_and_a_new_state_a_neutral_one(app):
    with app.test_request_context("/"):
        for state in orders.STATES:
            assert f'class="badge badge-order badge-order-{state}"' in _badge(state)
        colours = [_colours(state) for state in orders.STATES]
        assert None not in colours and len(set(colours)) == len(orders.STATES)
        # A state added later without a colour keeps the plain grey badge, with its code as text.
        assert _colours("on_hold") is None and ">on_hold<" in _badge("on_hold")


def test_in_russian_a_failed_order_and_a_failed_email_are_different_words(client, login_as, app):
    me = login_as("client", language="ru")
    factories.user("worker")
    order = book(client=me, hours_ahead=1)
    clock.freeze(order.starts_at + timedelta(minutes=31))
    orders.fail_no_shows()
    assert ">сорван<" in client.get(f"/client/orders/{order.id}").get_data(as_text=True)
    db.session.add(Email(to="gone@example.test", language="en", template="welcome", subject="Welcome",
                         text_body="Hello", html_body="<p>Hello</p>", state="failed", attempts=5,
                         created_at=clock.now()))
    db.session.commit()
    manager = app.test_client()
    boss = factories.user("manager", language="ru")
    manager.post("/login", data={"email": boss.email, "password": factories.PASSWORD})
    emails = manager.get("/manager/emails").get_data(as_text=True)
    assert ">не доставлено<" in emails and "сорван" not in emails
