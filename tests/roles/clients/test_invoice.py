"""An invoice's own page (issue 14): lines by order, totals equal to the ledger's charges,
the client's own only, linked from the billing page and the invoice email, printable."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from portal import client_billing, clock, ledger, notifications
from tests import factories
from tests.portal.ledger.billing import at, finish, unpaid_invoice
from tests.portal.orders.factories import book, service_type

OK_CARD = "4242424242424242"


def _text(cents: int) -> str:
    """How the money filter writes an amount under 1 000 CU."""
    return f"{cents // 100}.{cents % 100:02d}"


def _charge(order, outcome: str, price_cents: int) -> None:
    """``order.finished`` for a real order, as billing's consumer handles it."""
    client_billing.charge_order({"order_id": order.id, "client_id": order.client_id, "price_cents": price_cents,
                                 "outcome": outcome})


def _loyal_client_with_a_week_invoiced(client_id=None):
    """A client who paid 11 000 CU (5 % off since) and whose week 2026-W48 holds a completed
    and a cancelled order, invoiced on Sunday. Returns (client, invoice id, the two orders)."""
    me = client_id or factories.user("client")
    clock.freeze(at(2026, 11, 17, 10))
    finish(me.id, None, price_cents=1_100_000)
    (first,) = client_billing.issue_weekly_invoices("2026-W47")
    client_billing.save_card(me.id, OK_CARD)
    assert client_billing.pay_invoice(first).state == "paid"
    clock.freeze(at(2026, 11, 24, 10))
    windows, garden = service_type(name_en="Window washing"), service_type(name_en="Gardening")
    washed, dug = book(client=me, service=windows, hours_ahead=2), book(client=me, service=garden, hours_ahead=3)
    _charge(washed, "completed", 12_345)
    _charge(dug, "cancelled", 10_000)
    (invoice_id,) = client_billing.issue_weekly_invoices("2026-W48")
    return me, invoice_id, (washed, dug)


def test_the_invoice_page_lists_each_order_and_its_totals_equal_the_ledger_s_charges(client, login_as, db):
    me = login_as("client")
    _, invoice_id, (washed, dug) = _loyal_client_with_a_week_invoiced(me)
    db.session.commit()

    page = client.get(f"/client/billing/invoices/{invoice_id}").get_data(as_text=True)

    keys = [client_billing.charge_key(o.id) for o in (washed, dug)]
    charged = ledger.entry_amounts(keys, ledger.client_account(me.id))
    discounts = ledger.entry_amounts(keys, ledger.DISCOUNTS)
    rows = re.findall(r"<tr><td>.*?</tr>", page, re.S)
    assert len(rows) == 2
    for row, order, price, key in zip(rows, (washed, dug), (12_345, 10_000), keys):
        assert f'href="/client/orders/{order.id}"' in row and "24 Nov 2026" in row
        assert _text(price) in row and _text(discounts[key].cents) in row and "(5 %)" in row
        assert _text(charged[key].cents) in row
    assert "Window washing" in rows[0] and "completed" in rows[0]
    assert "Gardening" in rows[1] and "cancelled" in rows[1]
    total = sum(m.cents for m in charged.values())
    invoice = db.session.get(client_billing.Invoice, invoice_id)
    assert total == invoice.amount_cents
    footer = page[page.index("<tfoot>"):page.index("</tfoot>")]
    assert _text(22_345) in footer and _text(total) in footer
    assert _text(sum(m.cents for m in discounts.values())) in footer
    assert f"Invoice No. {invoice_id}" in page and "2026-W48" in page and me.name in page


def test_another_client_s_invoice_is_not_found_and_managers_open_any_from_their_reports(client, login_as, db):
    theirs = unpaid_invoice(factories.user("client", name="Other Cat").id)
    db.session.commit()
    login_as("client")
    assert client.get(f"/client/billing/invoices/{theirs}").status_code == 404
    assert client.get("/client/billing/invoices/999999").status_code == 404
    client.post("/logout")

    login_as("manager")
    report = client.get("/manager/billing").get_data(as_text=True)
    assert f'href="/manager/billing/invoices/{theirs}"' in report  # the unpaid invoices report
    page = client.get(f"/manager/billing/invoices/{theirs}").get_data(as_text=True)
    assert "Other Cat" in page and "100.00" in page and "unpaid" in page


def test_the_payment_email_links_to_the_invoice_page(client, login_as, db):
    me = login_as("client")
    clock.freeze(at(2026, 11, 24, 10))
    finish(me.id, None, price_cents=4_200)
    client_billing.save_card(me.id, "4242424242424242")
    (invoice_id,) = client_billing.issue_weekly_invoices("2026-W48")
    client_billing.charge_new_invoice(invoice_id)
    email = db.session.scalar(select(notifications.Email).where(notifications.Email.template == "payment_succeeded"))
    db.session.commit()
    links = re.findall(r"https?://\S+/billing/invoices/\d+", email.text_body)
    assert len(links) == 1 and links[0] in email.html_body

    page = client.get(urlsplit(links[0]).path)
    assert page.status_code == 200
    assert f"Invoice No. {invoice_id}" in page.get_data(as_text=True) and "42.00" in page.get_data(as_text=True)


def test_the_billing_page_links_every_invoice_and_each_charge_to_its_invoice(client, login_as, db):
    me = login_as("client")
    _, invoice_id, (washed, dug) = _loyal_client_with_a_week_invoiced(me)
    finish(me.id, None, price_cents=5_000)  # this week's: on no invoice yet
    db.session.commit()
    page = client.get("/client/billing").get_data(as_text=True)
    link = f'href="/client/billing/invoices/{invoice_id}"'
    charges = page[page.index('id="charges"'):]
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r'<tr><td>.*?/client/orders/(\d+).*?</tr>', charges, re.S)}
    assert link in page[:page.index('id="charges"')]
    assert link in rows[washed.id] and link in rows[dug.id]
    assert "on Sunday" in charges and page.count("/client/billing/invoices/") >= 4


def test_the_invoice_page_prints_without_navigation_or_buttons(client, login_as, db, app):
    me = login_as("client")
    clock.freeze(at(2026, 11, 24, 10))
    finish(me.id, None)
    (invoice_id,) = client_billing.issue_weekly_invoices("2026-W48")
    db.session.commit()
    page = client.get(f"/client/billing/invoices/{invoice_id}").get_data(as_text=True)
    assert "css/portal.css" in page and "data-print" in page
    css = client.get("/static/css/portal.css").get_data(as_text=True)
    start = css.index("@media print")
    block = css[start:css.index("\n}", start)]
    hidden = block[:block.index("display: none")]
    for selector in (".site-header", ".site-footer", "#flashes", ".invoice-actions"):
        assert selector in hidden, selector


def test_a_manager_finds_every_invoice_of_a_client_on_the_client_s_page(client, login_as, db):
    customer = factories.user("client", name="Paid Cat")
    _, invoice_id, _ = _loyal_client_with_a_week_invoiced(customer)
    db.session.commit()
    login_as("manager")
    page = client.get(f"/manager/people/{customer.id}").get_data(as_text=True)
    invoices = page[page.index('id="invoices"'):]
    assert invoices.count('href="/manager/billing/invoices/') == 2  # the paid W47 one and W48's
    assert f'href="/manager/billing/invoices/{invoice_id}"' in invoices and "paid" in invoices
    worker = factories.user("worker")
    assert 'id="invoices"' not in client.get(f"/manager/people/{worker.id}").get_data(as_text=True)
