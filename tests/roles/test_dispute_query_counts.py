"""The statements show each line's dispute in a constant number of statements, whatever the
number of lines and disputes; so does a dispute's case page."""

from __future__ import annotations

import itertools

from sqlalchemy import insert

from portal import clock, ledger, quality
from portal.client_billing import Charge, Invoice
from portal.db import db
from portal.worker_billing import Line
from tests import factories

_orders = itertools.count(5_000_000)


def _disputed(keys: list[str], disputer, role: str) -> None:
    """An entry per key and a dispute of each: open, confirmed or corrected in turn."""
    now = clock.now()
    db.session.execute(insert(ledger.Entry), [dict(key=key, kind="x", memo="", booked_at=now) for key in keys])
    db.session.execute(insert(quality.Case), [dict(
        order_id=None, reason="dispute", state="open" if i % 3 == 0 else "closed", service_type="",
        client_id=disputer.id if role == "client" else None, worker_id=disputer.id if role == "worker" else None,
        complaint="Wrong", opened_at=now, findings="Looked at it", hypothesis="", entry_key=key, line_kind="fine",
        line_cents=-4_000, disputed_by=disputer.id, outcome=(None, "confirmed", "corrected")[i % 3],
        correction_cents=4_000 if i % 3 == 2 else None) for i, key in enumerate(keys)])


def _fines(worker, n: int) -> None:
    ids = [next(_orders) for _ in range(n)]
    db.session.execute(insert(Line), [dict(worker_id=worker.id, kind="fine", amount_cents=-4_000, order_id=order_id,
                                           reason="", booked_at=clock.now()) for order_id in ids])
    _disputed([f"fine:order:{order_id}" for order_id in ids], worker, "worker")
    db.session.commit()


def test_the_earnings_page_shows_every_lines_dispute_in_constant_statements(client, login_as, count_queries):
    me = login_as("worker")
    _fines(me, 10)
    with count_queries() as few:
        page = client.get("/worker/earnings")
    assert page.status_code == 200 and "corrected by" in page.get_data(as_text=True)
    _fines(me, 490)
    with count_queries() as many:
        page = client.get("/worker/earnings")
    assert page.get_data(as_text=True).count("dispute-cell") == 500
    assert many.count == few.count, "\n".join(many.statements)


def _charges(client_user, week: str, n: int) -> None:
    ids = [next(_orders) for _ in range(n)]
    db.session.execute(insert(Charge), [dict(
        order_id=order_id, client_id=client_user.id, outcome="completed", price_cents=10_000, discount_percent=0,
        discount_cents=0, amount_cents=10_000, charged_at=clock.now(), week_key=week) for order_id in ids])
    _disputed([f"charge:order:{order_id}" for order_id in ids], client_user, "client")
    db.session.commit()


def test_the_billing_and_invoice_pages_show_every_lines_dispute_in_constant_statements(
        client, login_as, count_queries):
    me = login_as("client")
    week = "2026-W48"
    invoice_id = db.session.execute(insert(Invoice).returning(Invoice.id), [dict(
        client_id=me.id, week_key=week, amount_cents=0, charge_count=0, state="paid", tries=1,
        issued_at=clock.now(), paid_at=clock.now(), batch="bulk")]).scalar_one()
    urls = ["/client/billing", f"/client/billing/invoices/{invoice_id}"]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with count_queries() as n:
                assert client.get(url).status_code == 200, url
            found.append(n.count)
        return found

    _charges(me, week, 10)
    few = counts()
    _charges(me, week, 490)
    assert counts() == few
    assert client.get(urls[1]).get_data(as_text=True).count("corrected by") >= 160


def test_a_disputes_case_page_runs_as_many_statements_with_many_disputes(client, login_as, count_queries):
    login_as("manager")
    worker = factories.user("worker")
    _fines(worker, 10)
    case_id = quality.disputes_of(worker.id, limit=1)[0].id
    with count_queries() as few:
        assert client.get(f"/manager/quality/cases/{case_id}").status_code == 200
    _fines(worker, 490)
    with count_queries() as many:
        assert client.get(f"/manager/quality/cases/{case_id}").status_code == 200
    assert many.count == few.count, "\n".join(many.statements)
