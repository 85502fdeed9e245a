"""The managers' billing page: reports with charts and CSV, runs now, bonuses, the check, demo clock."""

from __future__ import annotations

import csv
import re
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import client_billing, clock, runs, worker_billing
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import at, finish, unpaid_invoice
from tests.waiting import wait_for


def test_the_reports_show_revenue_discounts_payouts_unpaid_invoices_and_bonuses(client, login_as, db):
    me = login_as("manager")
    clock.freeze(at(2026, 11, 24, 10))
    paying, blocked, worker = factories.user("client"), factories.user("client", name="Tom Late"), factories.user("worker")
    finish(paying.id, worker.id, price_cents=12_345)
    client_billing.save_card(paying.id, "4242424242424242")
    unpaid_invoice(blocked.id)  # also issues W48 for the paying client
    (paid_invoice,) = [i for i in db.session.scalars(select(client_billing.Invoice)) if i.client_id == paying.id]
    client_billing.pay_invoice(paid_invoice.id)
    worker_billing.give_bonus(worker.id, Money.cu(25), "Saved the goldfish", by=me)
    clock.freeze(at(2026, 12, 2, 10))

    page = client.get("/manager/billing?since=2026-11-01&until=2026-12-02").get_data(as_text=True).replace("\u00a0", " ")
    assert "2026-W48" in page and "223.45 CU" in page and "123.45 CU" in page  # invoiced, paid
    assert "<svg" in page and "chart-bar" in page and "style=" not in page
    assert "Tom Late" in page and "unpaid: booking blocked" in page and "the card was declined" in page
    assert "Saved the goldfish" in page and me.name in page and "25.00 CU" in page

    rows = list(csv.reader(io.StringIO(client.get(
        "/manager/billing/revenue.csv?since=2026-11-01&until=2026-12-02").get_data().decode("utf-8-sig"))))
    assert rows == [["week", "invoices", "list_price", "discounts", "billed", "paid", "outstanding"],
                    ["2026-W48", "2", "223.45", "0.00", "223.45", "123.45", "100.00"]]
    bonuses = client.get("/manager/billing/bonuses.csv?since=2026-11-01&until=2026-12-02")
    assert bonuses.mimetype == "text/csv" and "Saved the goldfish" in bonuses.get_data(as_text=True)
    earlier = client.get("/manager/billing?since=2026-01-01&until=2026-01-31").get_data(as_text=True)
    assert "223.45" not in earlier and "No invoices in this period" in earlier  # unpaid ones still show


def test_payouts_by_month_show_earnings_fines_and_bonuses(client, login_as, db):
    me = login_as("manager")
    clock.freeze(at(2026, 11, 10, 10))
    worker = factories.user("worker")
    finish(factories.user("client").id, worker.id, price_cents=10_000)
    finish(factories.user("client").id, worker.id, outcome="failed")
    worker_billing.give_bonus(worker.id, Money.cu(5), "Punctual", by=me)
    clock.freeze(at(2026, 11, 30, 20))
    (payout_id,) = worker_billing.create_payouts("2026-11", "2026-10", cutoff=clock.now())
    worker_billing.pay_payout(payout_id)
    rows = list(csv.reader(io.StringIO(client.get(
        "/manager/billing/payouts.csv?since=2026-11-01&until=2026-11-30").get_data().decode("utf-8-sig"))))
    assert rows[1] == ["2026-11", "1", "60.00", "5.00", "40.00", "25.00", "25.00", "0.00"]


def test_a_bonus_is_given_from_the_workers_page_with_who_and_why_and_refused_without_a_reason(client, login_as, db):
    me = login_as("manager")
    worker = factories.user("worker")
    bonus = f"/manager/people/{worker.id}/bonus"
    refused = client.post(bonus, data={"amount": "10", "reason": " "})
    assert refused.status_code == 422 and b"Say why the bonus is given." in refused.data
    assert client.post(f"/manager/people/{me.id}/bonus", data={"amount": "10", "reason": "Nice"}).status_code == 404
    assert client.post("/manager/people/999999/bonus", data={"amount": "10", "reason": "Nice"}).status_code == 404
    done = client.post(bonus, data={"amount": "12,50", "reason": "Caught the mouse"}, follow_redirects=True)
    page = done.get_data(as_text=True).replace("\u00a0", " ")
    assert "Bonus of 12.50" in page and "Caught the mouse" in page  # back on the worker's record
    (line,) = worker_billing.statement(worker.id).lines
    assert (line.amount_cents, line.reason, line.given_by_name) == (1250, "Caught the mouse", me.name)
    assert b"Choose a worker" in client.get("/manager/billing").data  # no email to type any more


def test_a_manager_starts_the_weekly_run_and_watches_its_progress(client, login_as, db, jobs_worker):
    login_as("manager")
    clock.freeze(at(2026, 11, 29, 10))
    finish(factories.user("client").id, None)
    clock.freeze(at(2026, 11, 29, 21))
    assert client.post("/manager/billing/runs/weekly").status_code == 303
    page = client.get("/manager/billing").get_data(as_text=True)
    assert "Weekly invoices (started by hand)" in page and "<progress" in page

    def finished():
        db.session.expire_all()
        return runs.recent_runs(1)[0].finished

    wait_for(finished)
    page = client.get("/manager/billing").get_data(as_text=True)
    assert "Done: 1 of 1" in page and "2026-W48" in page


def test_a_finding_of_the_check_reads_in_the_reader_s_language_whoever_caused_it(client, login_as, db, app):
    from sqlalchemy import text

    login_as("manager", language="ru")
    finish(factories.user("client").id, None)
    (invoice_id,) = client_billing.issue_weekly_invoices(client_billing.billing_week(clock.now()))
    db.session.execute(text("UPDATE invoices SET amount_cents = 150"))
    db.session.commit()
    page = client.get("/manager/billing/check").get_data(as_text=True).replace("\u00a0", " ")
    assert f"Счёт {invoice_id}: 1,50 CU, а его списания в сумме дают 100,00 CU." in page
    result = app.test_cli_runner().invoke(args=["check-ledger"])  # the command line: English
    assert result.exit_code == 1
    assert f"Invoice {invoice_id}: 1.50 CU, but its charges sum to 100.00 CU." in result.output.replace("\u00a0", " ")


def test_the_conservation_check_page_and_command_say_everything_balances(client, login_as, db, app):
    login_as("manager")
    finish(factories.user("client").id, factories.user("worker").id)
    page = client.get("/manager/billing/check").get_data(as_text=True)
    assert "Everything balances" in page
    result = app.test_cli_runner().invoke(args=["check-ledger"])
    assert result.exit_code == 0 and "the ledger balances" in result.output


def test_the_check_command_fails_when_an_invoice_does_not_match_its_charges(client, db, app):
    clock.freeze(at(2026, 11, 24, 10))
    someone = factories.user("client")
    finish(someone.id, None)
    (invoice_id,) = client_billing.issue_weekly_invoices("2026-W48", at(2026, 11, 29, 20))
    db.session.get(client_billing.Invoice, invoice_id).amount_cents += 1
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["check-ledger"])
    assert result.exit_code == 1 and f"Invoice {invoice_id}:" in result.output


def test_the_demo_clock_moves_to_sunday_evening_and_month_end_only_in_demo_mode(client, login_as, db, app):
    login_as("manager")
    clock.freeze(at(2026, 11, 25, 9))
    assert client.post("/manager/billing/clock/sunday").status_code == 404
    assert "Demo: move the clock" not in client.get("/manager/billing").get_data(as_text=True)
    app.config["DEMO"] = True
    try:
        assert "Demo: move the clock" in client.get("/manager/billing").get_data(as_text=True)
        client.post("/manager/billing/clock/sunday")
        assert clock.now() == at(2026, 11, 29, 20, 1)
        client.post("/manager/billing/clock/month_end")
        assert clock.now() == at(2026, 11, 30, 20, 1)
        client.post("/manager/billing/clock/month_end")
        assert clock.now() == at(2026, 12, 31, 20, 1)
        clock.advance(timedelta(days=1))
        login_as("manager")  # a month later the sign-in has expired
        client.post("/manager/billing/clock/sunday")
        assert clock.now() == at(2027, 1, 3, 20, 1)
    finally:
        app.config["DEMO"] = False


def _chart_words(page: str, title: str) -> list[str]:
    """The words drawn in the billing chart named ``title``: axis titles and tick labels."""
    start = page.index(f'aria-label="{title}"')
    svg = page[start:page.index("</svg>", start)]
    return [" ".join(t.split()) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_the_charts_name_their_axes_and_periods_in_words_in_both_languages(client, login_as, db):
    me = login_as("manager")
    clock.freeze(at(2026, 11, 24, 10))
    customer, worker = factories.user("client"), factories.user("worker")
    finish(customer.id, worker.id, price_cents=12_345)
    client_billing.issue_weekly_invoices("2026-W48", at(2026, 11, 29, 20))
    db.session.commit()
    clock.freeze(at(2026, 12, 2, 10))

    page = client.get("/manager/billing?since=2026-11-01&until=2026-12-02").get_data(as_text=True).replace("\u00a0", " ")
    words = _chart_words(page, "Invoiced by week (paid part darker)")
    assert words[0] == "Amount, CU" and words[1] == "123.45 CU" and words[2] == "0"
    assert "23 Nov" in words  # 2026-W48 by its Monday, not "W48"
    assert words[-1] == "Week, by its Monday"
    assert not any(w.startswith("-") or "W4" in w for w in words)

    me.language = "ru"
    db.session.commit()
    page = client.get("/manager/billing?since=2026-11-01&until=2026-12-02").get_data(as_text=True).replace("\u00a0", " ")
    words = _chart_words(page, "Выставлено по неделям (оплаченная часть темнее)")
    assert words[:3] == ["Сумма, CU", "123,45 CU", "0"] and "23 нояб." in words


def test_a_long_range_labels_only_every_few_bars_so_the_labels_do_not_overlap(client, login_as, db):
    login_as("manager")
    customer = factories.user("client")
    for week in range(1, 53):
        db.session.add(client_billing.Invoice(client_id=customer.id, week_key=f"2026-W{week:02d}", amount_cents=100,
                                              charge_count=1, state="paid", tries=1, issued_at=clock.now(),
                                              batch="test"))
        db.session.add(client_billing.Charge(order_id=90_000 + week, client_id=customer.id, outcome="completed",
                                             price_cents=100, discount_percent=0, discount_cents=0, amount_cents=100,
                                             charged_at=clock.now(), week_key=f"2026-W{week:02d}"))
    db.session.commit()
    page = client.get("/manager/billing?since=2026-01-01&until=2026-12-28").get_data(as_text=True)
    words = _chart_words(page, "Invoiced by week (paid part darker)")
    ticks = words[3:-1]
    assert 6 <= len(ticks) <= 8 and ticks[0] == "29 Dec"  # 2026-W01 starts on Monday 29 December 2025


@pytest.mark.parametrize(("amount", "message"), [
    ("99999999999999999999", "At most 10 000.00 CU."), ("10000.01", "At most 10 000.00 CU."),
    ("0", "At least 0.01 CU."), ("1e9", "Enter an amount like 25 or 12.50."),
    ("9" * 5000, "Enter an amount like 25 or 12.50."),
])
def test_a_bonus_amount_out_of_bounds_gets_a_message_and_gives_nothing(client, login_as, db, amount, message):
    login_as("manager")
    worker = factories.user("worker")
    refused = client.post(f"/manager/people/{worker.id}/bonus", data={"amount": amount, "reason": "Hm"})
    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True).replace("\u00a0", " ")
    assert worker_billing.statement(worker.id).lines == []


def test_csv_cells_never_run_as_formulas_and_cyrillic_opens_in_excel(client, login_as, db):
    me = login_as("manager")
    worker = factories.user("worker", name="=HYPERLINK(\"http://evil.test\",\"Мурка\")")
    clock.freeze(at(2026, 11, 24, 10))
    for n, reason in enumerate(["=1+1", "+SUM(A1)", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "Поймала мышь"], 1):
        worker_billing.give_bonus(worker.id, Money(n), reason, by=me)
    raw = client.get("/manager/billing/bonuses.csv?since=2026-11-01&until=2026-12-02").get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte-order mark Excel needs for Cyrillic
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    reasons = sorted(row[4] for row in rows[1:])
    assert reasons == sorted(["'=1+1", "'+SUM(A1)", "'-2+3+cmd|' /C calc'!A0", "'@SUM(A1)", "Поймала мышь"])
    assert {row[2] for row in rows[1:]} == {"'=HYPERLINK(\"http://evil.test\",\"Мурка\")"}
    assert sorted(row[3] for row in rows[1:])[:2] == ["0.01", "0.02"]  # numbers stay numbers
