"""Thin views over portal.orders: parse the form, call one operation, render or redirect."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from portal import client_billing, i18n, orders, warehouse
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render, stop_polling
from portal.inputs import page_number, whole_number
from roles import order_pages
from roles.clients import bp
from roles.clients.forms import BookingForm, ProblemForm, RateForm, WhenForm
from roles.forms import apply_domain_error


@bp.context_processor
def _loyalty():
    """The booking form's estimate says from which amount the loyalty discount starts."""
    return {"loyalty_starts_over": client_billing.FIRST_TIER.cents}


@bp.get("/")
def home():
    """CL-1: the client's orders (upcoming, in progress, past) and "Request help"."""
    lists = orders.client_orders(current_user.id, page_number())
    return render("clients/home.html", "clients/_past_orders.html", lists=lists)


def _local_tomorrow() -> date:
    """Tomorrow on the client's own calendar."""
    return i18n.local_today() + timedelta(days=1)


def _booking_form() -> BookingForm:
    form = BookingForm()
    form.load_services(orders.list_service_types(active_only=True))
    if request.method == "GET":
        form.date.data = form.date.data or _local_tomorrow()
        form.time.data = form.time.data or time(10, 0)
        form.address.data = form.address.data or current_user.address
    return form


def _estimate_for(service_type_id: int | None):
    try:
        service = orders.get_service_type(service_type_id) if service_type_id else None
    except NotFound:
        service = None
    if service is None or not service.active:
        return None
    return orders.estimate(service, current_user.id)


@bp.route("/orders/new", methods=["GET", "POST"])
def book():
    """CL-2/CL-3: the booking form; on submit the order is matched at once."""
    form = _booking_form()
    if form.validate_on_submit():
        try:
            order = orders.book_order(current_user, form.service_type.data, form.description.data,
                                      form.address.data, form.start(), form.hours.data,
                                      submission_key=form.once.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            if order.state == "assigned":
                flash(_("Booked: a worker is assigned."), "success")
            else:
                flash(_("Booked. Nobody is free yet: we keep looking and this page updates by itself."), "info")
            return redirect(url_for("clients.order", order_id=order.id))
    selected = form.service_type.data or (form.service_type.choices[0].value if form.service_type.choices else None)
    return render("clients/book.html", "clients/_booking_form.html", form=form,
                  estimate=_estimate_for(selected), may_book=client_billing.may_book(current_user.id))


@bp.get("/orders/estimate")
def estimate():
    """The live price estimate while the booking form is filled (htmx)."""
    return render("clients/_estimate.html", estimate=_estimate_for(whole_number(request.args.get("service_type"), 1)))


@bp.get("/orders/<int:order_id>")
def order(order_id: int):
    """CL-4: status, timeline, worker and photos; the live part polls itself until the order is final."""
    detail = order_pages.detail_or_404(order_id)
    response = render("clients/order.html", "clients/_order_live.html", detail=detail,
                      kit=warehouse.kit_status(order_id), charge=client_billing.order_charge(order_id),
                      rate_form=RateForm(formdata=None), problem_form=ProblemForm(formdata=None),
                      cancel_form=FlaskForm())
    return stop_polling(response) if detail.final else response  # nothing more will change


def _back_to(order_id: int, message: str, category: str = "success"):
    flash(message, category)
    return redirect(url_for("clients.order", order_id=order_id))


@bp.post("/orders/<int:order_id>/cancel")
def cancel(order_id: int):
    """CL-5: cancel until check-in; the confirmation said it is still charged in full."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        orders.cancel_order(order_id, current_user)
    except NotFound:
        abort(404)
    except DomainError as exc:
        return _back_to(order_id, str(exc.message), "error")
    return _back_to(order_id, _("The order is cancelled. It is still charged in full."))


def _feedback_page(order_id: int, rate_form: RateForm, problem_form: ProblemForm):
    """The order page again with the form's errors next to its fields (200, so htmx swaps it)."""
    return render("clients/order.html", detail=order_pages.detail_or_404(order_id),
                  kit=warehouse.kit_status(order_id), charge=client_billing.order_charge(order_id),
                  rate_form=rate_form, problem_form=problem_form, cancel_form=FlaskForm())


@bp.post("/orders/<int:order_id>/rate")
def rate(order_id: int):
    """CL-6: confirm the completed work with 1–5 stars and an optional comment."""
    form = RateForm()
    if form.validate_on_submit():
        try:
            orders.rate_order(order_id, current_user, form.stars.data, form.comment.data or "")
        except NotFound:
            abort(404)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return _back_to(order_id, _("Thank you for your rating."))
    return _feedback_page(order_id, form, ProblemForm(formdata=None))


@bp.post("/orders/<int:order_id>/problem")
def report_problem(order_id: int):
    """CL-6: report a problem with the completed work; quality control takes it up."""
    form = ProblemForm()
    if form.validate_on_submit():
        try:
            orders.report_problem(order_id, current_user, form.comment.data)
        except NotFound:
            abort(404)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return _back_to(order_id, _("Thank you. We are looking into it and will contact you."))
    return _feedback_page(order_id, RateForm(formdata=None), form)


@bp.route("/orders/<int:order_id>/rebook", methods=["GET", "POST"])
def rebook(order_id: int):
    """CL-7: a failed order again on a date the client picks, with a different worker."""
    detail = order_pages.detail_or_404(order_id)
    form = WhenForm()
    if request.method == "GET":
        form.date.data = _local_tomorrow()
        form.time.data = detail.order.starts_at.astimezone(i18n.display_zone()).time()
    if form.validate_on_submit():
        try:
            new = orders.rebook_order(order_id, current_user, form.start())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Rebooked with a different worker.") if new.state == "assigned"
                  else _("Rebooked. Nobody is free yet: we keep looking."), "success")
            return redirect(url_for("clients.order", order_id=new.id))
    return render("clients/rebook.html", detail=detail, form=form,
                  may_book=client_billing.may_book(current_user.id))


@bp.get("/orders/<int:order_id>/photos/<any(check_in, report):kind>")
def photo(order_id: int, kind: str):
    """The check-in or signed-report photo of the client's own order."""
    return order_pages.order_photo(order_id, kind)


@bp.get("/orders/<int:order_id>/worker-photo")
def worker_photo(order_id: int):
    """The portrait of the worker assigned to the client's order."""
    return order_pages.worker_portrait(order_id)
