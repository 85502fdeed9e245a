"""Ten "pay now" clicks on one invoice at once move the money once, and every click gets the
normal answer (never a 500): real threads through the real route, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import client_billing, clock
from portal.client_billing.models import Invoice, PaymentAttempt, PaymentCard
from portal.ledger.models import Entry, SandboxTransfer
from tests.portal.ledger.billing import at, finish
from tests.racing import RACERS, browsers, emails, race


def test_ten_pay_now_clicks_charge_the_card_once_and_all_get_the_billing_page(app, db, client, login_as):
    me = login_as("client")
    clock.freeze(at(2026, 11, 24, 10))
    finish(me.id, None)
    (invoice_id,) = client_billing.issue_weekly_invoices("2026-W48", at(2026, 11, 29, 20))
    client_billing.save_card(me.id, "4242424242424242")
    tabs = browsers(app, client)
    url = f"/client/billing/invoices/{invoice_id}/pay"

    pages = race(app, *[(lambda tab=tab: tab.post(url, follow_redirects=True)) for tab in tabs])

    assert [p.status_code for p in pages] == [200] * RACERS
    assert all("Paid. Thank you!" in p.get_data(as_text=True) for p in pages)
    assert db.session.get(Invoice, invoice_id).state == "paid"
    assert db.session.scalar(select(func.count()).select_from(PaymentAttempt)
                             .where(PaymentAttempt.invoice_id == invoice_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(SandboxTransfer)) == 1
    assert db.session.scalar(select(func.count()).select_from(Entry)
                             .where(Entry.key == f"payment:invoice:{invoice_id}")) == 1
    assert emails("payment_succeeded", to=me.email) == 1


def test_ten_tabs_saving_a_first_card_at_once_keep_one_card(app, db, client, login_as):
    me = login_as("client")
    tabs = browsers(app, client)
    numbers = ["4242424242424242", "5555555555554444"] * (RACERS // 2)

    pages = race(app, *[(lambda tab=tab, n=n: tab.post("/client/billing/card", data={"number": n}))
                        for tab, n in zip(tabs, numbers)])

    assert [p.status_code for p in pages] == [303] * RACERS  # "Card … saved." for each
    cards = db.session.scalars(select(PaymentCard).where(PaymentCard.client_id == me.id)).all()
    assert len(cards) == 1 and cards[0].last4 in ("4242", "4444")
