"""A count reads right in both languages: one order, 2 orders; 1 заказ, 2 заказа, 5 заказов."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from datetime import timedelta

from sqlalchemy import select

from portal import clock, orders, runs
from portal.notifications import Email
from tests import factories
from tests.portal.orders.factories import book
from portal.db import transaction
from portal.notifications import queue_email
from tests.portal.bets.factories import accepted_order, fail, kits_handed_out  # noqa: F401
from tests.portal.quality.factories import hear_finished


def _invoice(charges: int, state: str = "open") -> SimpleNamespace:
    return SimpleNamespace(week_key="2026-W49", amount_cents=12_345, charge_count=charges, state=state,
                           tries=1, last_failure="declined")


def _text(template: str, language: str, **context) -> str:
    with transaction():
        email = queue_email("tom@example.test", template, language, name="Tom", link="http://x.test/", **context)
    return " ".join(email.text_body.split())


@pytest.mark.parametrize(("language", "n", "words"), [
    ("en", 1, "covers 1 order."), ("en", 3, "covers 3 orders."),
    ("ru", 1, "В счёте 1 заказ."), ("ru", 3, "В счёте 3 заказа."), ("ru", 5, "В счёте 5 заказов."),
    ("ru", 21, "В счёте 21 заказ."),
])
def test_the_paid_invoice_email_counts_its_orders(db, language, n, words):
    text = _text("payment_succeeded", language, invoice=_invoice(n, "paid"), invoice_link="http://x.test/i/7")
    assert words in text.replace("\u00a0", " ")


@pytest.mark.parametrize(("language", "n", "words"), [
    ("en", 1, "(1 try left)"), ("en", 2, "(2 tries left)"),
    ("ru", 1, "(осталась 1 попытка)"), ("ru", 2, "(осталось 2 попытки)"), ("ru", 5, "(осталось 5 попыток)"),
])
def test_the_payment_failed_email_counts_the_tries_left(db, language, n, words):
    assert words in _text("payment_failed", language, invoice=_invoice(1), tries_left=n, failure="declined",
                          invoice_link="http://x.test/i/7")


@pytest.mark.parametrize(("language", "minutes", "words"), [
    ("en", 1, "within 1 minute of the start"), ("en", 30, "within 30 minutes of the start"),
    ("ru", 1, "в течение 1 минуты после начала"), ("ru", 30, "в течение 30 минут после начала"),
])
def test_the_no_show_email_counts_minutes(app, db, language, minutes, words):
    app.config["ORDERS_NO_SHOW_MINUTES"] = minutes
    factories.user("worker")
    order = book(client=factories.user("client", language=language), hours_ahead=1)
    clock.freeze(order.starts_at + timedelta(minutes=minutes + 1))
    orders.fail_no_shows()
    email = db.session.scalar(select(Email).where(Email.template == "order_failed"))
    assert words in " ".join(email.text_body.split())


def test_the_runs_page_names_the_scheduler_in_the_reader_s_language(client, login_as, db):
    runs.claim_run("billing.weekly_invoices", "2026-W49", started_by="scheduler")
    login_as("manager", language="ru")
    page = client.get("/manager/runs").get_data(as_text=True)
    assert "<td>Еженедельные счета</td><td>2026-W49</td><td>планировщик</td>" in page
    assert ">scheduler<" not in page


@pytest.mark.usefixtures("kits_handed_out")
def test_the_case_page_counts_the_worker_s_record_in_russian(client, login_as, db):
    login_as("manager", language="ru")
    case = hear_finished(fail(accepted_order()))
    page = client.get(f"/manager/quality/cases/{case.id}").get_data(as_text=True)
    assert "сорвано — 1, отменено — 0, 0 жалоб." in page
    assert "Сорвано: 1 из 1 последнего заказа." in page
