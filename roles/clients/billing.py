"""The client's billing page: this week's charges so far, invoices, discount, card, pay now."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from portal import client_billing, orders, quality
from portal.errors import DomainError
from portal.htmx import redirect, render
from portal.i18n import lazy_gettext as _l
from portal.inputs import page_number
from roles import disputes
from roles.clients import bp
from roles.forms import apply_domain_error


class CardForm(FlaskForm):
    number = StringField(_l("Card number"), validators=[DataRequired(_l("Enter the card number."))],
                         render_kw={"autocomplete": "cc-number", "inputmode": "numeric"})


def _disputes(charges) -> dict:
    """Each shown charge's latest dispute, by its ledger key (one query)."""
    return quality.disputes_for([client_billing.line_key(c) for c in charges])


def _page(form: CardForm | None = None):
    statement = client_billing.statement(current_user.id, page_number())
    return render("clients/billing.html", "clients/_billing_charges.html",
                  statement=statement, disputes=_disputes(statement.charges.items), line_key=client_billing.line_key,
                  form=form or CardForm(), test_cards=client_billing.TEST_CARDS,
                  failure_label=client_billing.failure_label)


@bp.get("/billing")
def billing():
    """BI-3: what will be charged on Sunday, every charge and invoice, the discount, the card."""
    return _page()


@bp.get("/billing/upcoming")
def billing_upcoming():
    """The live "this Sunday" box (polled)."""
    return render("clients/_billing_upcoming.html", "clients/_billing_upcoming.html",
                  statement=client_billing.statement(current_user.id))


@bp.get("/billing/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    """An invoice of the client's own, line by line, to keep or print (another's is not found)."""
    bill = client_billing.invoice_lines(invoice_id, client_id=current_user.id)
    return render("clients/billing_invoice.html", bill=bill, client=current_user,
                  orders=orders.orders_by_id([c.order_id for c in bill.lines if c.order_id is not None]),
                  disputes=_disputes(bill.lines), line_key=client_billing.line_key,
                  failure_label=client_billing.failure_label)


@bp.post("/billing/charges/<int:charge_id>/dispute")
def dispute_charge(charge_id: int):
    """Dispute a charge (or a credit) of one's own statement; another client's is not found."""
    return disputes.dispute_line(lambda: client_billing.statement_charge(current_user.id, charge_id),
                                 url_for("clients.billing"))


@bp.post("/billing/card")
def save_card():
    """Add or replace the card (the sandbox keeps a token; we keep brand and last four)."""
    form = CardForm()
    if form.validate_on_submit():
        try:
            card = client_billing.save_card(current_user.id, form.number.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Card %(brand)s ending %(last4)s saved.", brand=card.brand, last4=card.last4), "success")
            return redirect(url_for("clients.billing"))
    return _page(form)


@bp.post("/billing/card/remove")
def remove_card():
    if not FlaskForm().validate_on_submit():
        abort(400)
    client_billing.remove_card(current_user.id)
    flash(_("Card removed."), "success")
    return redirect(url_for("clients.billing"))


@bp.post("/billing/invoices/<int:invoice_id>/pay")
def pay_now(invoice_id: int):
    """"Pay now": charge an unpaid invoice at once with the card on file."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    invoice = client_billing.pay_invoice(invoice_id, by_client=current_user.id)
    if invoice.state == "paid":
        flash(_("Paid. Thank you!"), "success")
    else:
        flash(_("The payment did not go through: %(reason)s.",
                reason=client_billing.failure_label(invoice.last_failure)), "error")
    return redirect(url_for("clients.billing"))
