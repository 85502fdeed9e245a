"""A form that costs money, sent twice — a double click, a second tab, a resend after a lost
answer — acts once: the booking form books one order, the bonus form gives one bonus. Real
threads through the real routes, on SQLite and PostgreSQL; a new form (a new key) acts again."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal import clock, ledger, worker_billing
from portal.db import db
from portal.money import Money
from portal.orders import Order
from tests import factories
from tests.portal.orders.factories import service_type
from tests.roles.managers.test_person_records import text_of
from tests.racing import RACERS, browsers, race


def key_of(page) -> str:
    """The submission key the form was shown with."""
    return re.search(r'name="once"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)


def orders_of(client_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Order).where(Order.client_id == client_id))


def test_ten_tabs_sending_the_same_booking_form_book_one_order(app, client, login_as):
    me = login_as("client")
    factories.user("worker")
    service = service_type(name_en="Cleaning")
    when = clock.now() + timedelta(days=1)
    form = {"service_type": service.id, "description": "Feed the fish", "address": "5 Pond Road",
            "date": when.date().isoformat(), "time": "10:00", "hours": 2,
            "once": key_of(client.get("/client/orders/new"))}
    tabs = browsers(app, client)

    pages = race(app, *[(lambda tab=tab: tab.post("/client/orders/new", data=form)) for tab in tabs])

    assert [p.status_code for p in pages] == [303] * RACERS
    assert len({p.headers["Location"] for p in pages}) == 1  # every tab is shown the same order
    assert orders_of(me.id) == 1
    # The form shown again is a new form: it books again.
    again = client.post("/client/orders/new", data=form | {"once": key_of(client.get("/client/orders/new"))})
    assert again.status_code == 303 and orders_of(me.id) == 2


def test_ten_tabs_sending_the_same_bonus_form_give_one_bonus(app, client, login_as):
    login_as("manager")
    worker = factories.user("worker")
    page = f"/manager/people/{worker.id}"
    form = {"amount": "7.50", "reason": "Caught the mouse", "once": key_of(client.get(page))}
    tabs = browsers(app, client)

    pages = race(app, *[(lambda tab=tab: tab.post(f"{page}/bonus", data=form, follow_redirects=True))
                        for tab in tabs])

    assert [p.status_code for p in pages] == [200] * RACERS
    # Each tab sees the one bonus (the flash goes to whichever tab reads the session first).
    assert all("Bonuses 7.50 CU" in text_of(p) for p in pages)
    bonuses = db.session.scalars(select(worker_billing.Line).where(worker_billing.Line.worker_id == worker.id)).all()
    assert [b.amount_cents for b in bonuses] == [750]
    assert ledger.balance(ledger.worker_account(worker.id)) == -Money(750)  # owed to the worker once
    client.post(f"{page}/bonus", data=form | {"once": key_of(client.get(page))})
    assert ledger.balance(ledger.worker_account(worker.id)) == -Money(1500)
