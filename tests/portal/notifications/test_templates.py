"""Every email template renders, in every language, with nothing left blank."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import StrictUndefined
from markupsafe import escape

from portal.i18n import LANGUAGES
from portal.notifications import render_email

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "emails"

_LINK = "http://portal.test/set-password/t0k3n"
_ORDER = SimpleNamespace(
    id=42, description="Water the plants", address="7 Catnip Lane", state="in_progress", price_cents=123450,
    starts_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC), ends_at=datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
)
_ORDER_EMAIL = {"name": "Tom", "order": _ORDER, "service_name": "Gardening", "link": "http://portal.test/orders/42",
                "state_label": lambda state: state.replace("_", " "), "check_in_minutes": 30, "no_show_minutes": 30}

_INVOICE_EMAIL = {"name": "Tom", "link": "http://portal.test/client/billing", "tries_left": 0, "failure": "",
                  "invoice_link": "http://portal.test/client/billing/invoices/7",
                  "invoice": SimpleNamespace(amount_cents=28500, charge_count=3, week_key="2026-W10", state="unpaid")}
_CASE_EMAIL = {"name": "Tom", "case": SimpleNamespace(order_id=42, findings="The worker came late.", worker_at_fault=True),
               "cause": SimpleNamespace(name="Late arrival")}

_DISPUTE = dict(id=7, order_id=42, line_kind="fine", line_cents=-4000, client_id=None, complaint="I was there on time.",
                state="closed", outcome="corrected", correction_cents=4000, findings="The bus was late, not you.")
_DISPUTE_EMAIL = {"name": "Tom", "link": "http://portal.test/worker/earnings", "case": SimpleNamespace(**_DISPUTE)}

# What each email is given by the operation that queues it. A new email template needs a
# sample here (the first test says so), so that it is rendered in every language below.
SAMPLES = {
    "welcome": {"name": "Tom"},
    "invitation": {"name": "Tom", "inviter": "Ann", "role": "manager", "link": _LINK},
    "worker_welcome": {"name": "Tom", "link": _LINK},
    "order_worker_matched": _ORDER_EMAIL,
    "order_assigned": _ORDER_EMAIL | {"worker_name": "Whiskers"},
    "order_status": _ORDER_EMAIL,
    "order_failed": _ORDER_EMAIL,
    "order_expired": _ORDER_EMAIL,
    "applicant_received": {"name": "Tom", "status_link": "http://portal.test/careers/status/t0k3n", "again": False,
                           "vacancy": "Gardening"},
    "applicant_change_confirm": {"name": "Tom", "link": "http://portal.test/careers/changes/t0k3n", "hours": 48},
    "applicant_contacted": {"name": "Tom"},
    "registration_confirm": {"name": "Tom", "link": "http://portal.test/register/confirm/t0k3n", "hours": 48},
    "registration_existing": {"name": "Tom", "sign_in": "http://portal.test/login"},
    "login_failures": {"name": "Tom", "failures": 10, "minutes": 15, "slow_seconds": 10,
                       "sign_in": "http://portal.test/login"},
    "applicant_test_assigned": {"name": "Tom", "link": "http://portal.test/careers/test/t0k3n", "minutes": 30,
                                "expires_at": datetime(2026, 3, 9, 9, 0, tzinfo=UTC)},
    "applicant_test_taken": {"name": "Tom"},
    "applicant_accepted": {"name": "Tom"},
    "applicant_rejected": {"name": "Tom", "reason": "We need cats who can swim."},
    "applicant_digest": {"name": "Ann", "link": "http://portal.test/manager/applicants", "applications": [
        SimpleNamespace(name="Tom", email="tom@example.test", flagged=True)]},
    "kit_ready": {"name": "Tom", "link": "http://portal.test/worker/orders/42", "warehouse_address": "1 Depot Road",
                  "pick_up_by": datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
                  "kit": SimpleNamespace(order_id=42, address="7 Catnip Lane", starts_at=_ORDER.starts_at)},
    "payment_succeeded": _INVOICE_EMAIL,
    "payment_failed": _INVOICE_EMAIL | {"tries_left": 2, "failure": "the card was declined"},
    "payout_paid": {"name": "Tom", "link": "http://portal.test/worker/earnings", "payout": SimpleNamespace(
        amount_cents=48000, month_key="2026-02", earned_cents=60000, bonuses_cents=2000, fines_cents=4000,
        carried_in_cents=-10000)},
    "qc_result_client": _CASE_EMAIL,
    "qc_result_worker": _CASE_EMAIL,
    "dispute_result": _DISPUTE_EMAIL,
    "dispute_managers": _DISPUTE_EMAIL | {"link": "http://portal.test/manager/quality/cases/7",
                                          "disputer": SimpleNamespace(name="Whiskers"),
                                          "case": SimpleNamespace(**_DISPUTE | {"state": "open", "outcome": None})},
}


def _email_templates() -> list[str]:
    return sorted(p.name.removesuffix(".subject.txt") for p in TEMPLATES.glob("*.subject.txt"))


@pytest.mark.parametrize("template", _email_templates())
def test_every_email_template_has_a_sample_and_all_three_parts(template):
    assert template in SAMPLES, f"add a sample context for emails/{template} to SAMPLES in {__file__}"
    assert (TEMPLATES / f"{template}.txt").exists() and (TEMPLATES / f"{template}.html").exists()


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("template", sorted(SAMPLES))
def test_every_email_renders_in_every_language(app, db, monkeypatch, template, language):
    # A variable the template uses but the sample lacks is an error, not an empty string.
    monkeypatch.setattr(app.jinja_env, "undefined", StrictUndefined)
    context = SAMPLES[template]
    subject, text, html = render_email(template, language, **context)

    assert subject and "\n" not in subject
    assert html.startswith("<!doctype html>") and f'<html lang="{language}">' in html
    assert f"<title>{escape(subject)}</title>" in html
    for part in (text, html):
        assert context["name"] in part  # the shared greeting
        assert "%(" not in part  # every placeholder filled in, also in translations
        if "link" in context:
            assert context["link"] in part
        if "invoice_link" in context:  # the invoice's own page, to keep or print
            assert context["invoice_link"] in part
    assert app.config["PUBLIC_URL"] in text and app.config["PUBLIC_URL"] in html  # the shared footer


def test_names_are_escaped_in_html_and_kept_as_written_in_text(db):
    subject, text, html = render_email("welcome", "en", name="<b>Tom</b> & Co")
    assert "&lt;b&gt;Tom&lt;/b&gt; &amp; Co" in html and "<b>Tom</b>" not in html
    assert "Hello <b>Tom</b> & Co," in text
    assert subject == "Welcome to MCF, <b>Tom</b> & Co"
