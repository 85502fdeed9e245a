"""A client disputes a charge on the billing page or the invoice; a credit after a correction
shows on the statement and comes off the next invoice."""

from __future__ import annotations

from portal import client_billing, clock, quality
from portal.db import db
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import at, charges_of, finish, invoices_of
from tests.racing import emails


def _text(response) -> str:
    return response.get_data(as_text=True).replace("\u00a0", " ")


def test_a_client_disputes_a_charge_on_the_billing_page(client, login_as):
    manager = factories.user("manager")
    me = login_as("client")
    finish(me.id, None, "completed", 10_000)
    db.session.commit()
    (charge,) = charges_of(me.id)
    assert f"/client/billing/charges/{charge.id}/dispute" in _text(client.get("/client/billing"))

    cell = _text(client.post(f"/client/billing/charges/{charge.id}/dispute", data={"reason": "Only half done"},
                             headers={"HX-Request": "true"}))

    assert "disputed: a manager is looking" in cell
    (case,) = quality.disputes_of(me.id)
    assert (case.line_kind, case.line_cents, case.client_id, case.worker_id) == ("charge", 10_000, me.id, None)
    assert emails("dispute_managers", to=manager.email) == 1
    assert "disputed: a manager is looking" in _text(client.get("/client/billing"))


def test_a_credit_shows_on_the_statement_and_the_next_invoice(client, login_as):
    manager = factories.user("manager")
    me = login_as("client")
    clock.freeze(at(2026, 11, 23, 9))
    finish(me.id, None, "completed", 10_000)
    (charge,) = charges_of(me.id)
    client_billing.issue_weekly_invoices("2026-W48")
    clock.freeze(at(2026, 11, 30, 9))
    db.session.commit()
    client.post(f"/client/billing/charges/{charge.id}/dispute", data={"reason": "Only half done"})
    (case,) = quality.disputes_of(me.id)
    quality.resolve_dispute(case.id, manager, correct=True, amount=Money.cu(30), note="Half the rooms.")
    finish(me.id, None, "completed", 5_000)
    client_billing.issue_weekly_invoices("2026-W49")
    db.session.commit()

    page = _text(client.get("/client/billing"))
    assert "corrected by 30.00 CU" in page and "credit after a dispute" in page and "−30.00 CU" in page
    _first, second = invoices_of(me.id)
    invoice = _text(client.get(f"/client/billing/invoices/{second.id}"))
    assert "credit after a dispute" in invoice and "Half the rooms." in invoice and "20.00 CU" in invoice
    first_invoice = _text(client.get(f"/client/billing/invoices/{_first.id}"))
    assert "corrected by 30.00 CU" in first_invoice  # the disputed line says so on its own invoice


def test_another_clients_charge_is_not_found(client, login_as):
    other = factories.user("client")
    finish(other.id, None)
    db.session.commit()
    (charge,) = charges_of(other.id)
    login_as("client")
    assert client.post(f"/client/billing/charges/{charge.id}/dispute", data={"reason": "x"}).status_code == 404
    assert quality.disputes_of(other.id) == []
