"""Thin views over portal.orders for the worker."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import orders, warehouse
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render
from portal.inputs import page_number
from roles import order_pages
from roles.forms import apply_domain_error
from roles.workers import bp
from roles.workers.forms import PhotoForm


@bp.get("/")
def home():
    """WK-1: active orders first, then completed, cancelled and failed ones (paginated)."""
    lists = orders.worker_orders(current_user.id, page_number())
    return render("workers/home.html", "workers/_past_orders.html", lists=lists,
                  kits=warehouse.kit_statuses([o.id for o in lists.active]))


def _page(order_id: int, form: PhotoForm | None = None):
    detail = order_pages.detail_or_404(order_id)
    return render("workers/order.html", detail=detail, form=form or PhotoForm(formdata=None),
                  kit=warehouse.kit_status(detail.order.id),
                  check_in_opens_at=orders.check_in_opens_at(detail.order))


@bp.get("/orders/<int:order_id>")
def order(order_id: int):
    """One job: where, when, what, the client, the kit, and the check-in or finish form."""
    return _page(order_id)


def _with_photo(order_id: int, operation, done: str):
    """Run ``operation`` with the uploaded photo; a refusal is shown next to the photo field."""
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            operation(order_id, current_user, form.raw())
        except NotFound:
            abort(404)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(done, "success")
            return redirect(url_for("workers.order", order_id=order_id))
    return _page(order_id, form)


@bp.post("/orders/<int:order_id>/check-in")
def check_in(order_id: int):
    """WK-2: arrive, upload a photo, start."""
    return _with_photo(order_id, orders.check_in, _("Checked in. Good work!"))


@bp.post("/orders/<int:order_id>/finish")
def finish(order_id: int):
    """WK-3: upload the report the client signed; the order is completed."""
    return _with_photo(order_id, orders.finish_order, _("Finished. The order is completed."))


@bp.get("/orders/<int:order_id>/photos/<any(check_in, report):kind>")
def photo(order_id: int, kind: str):
    """A photo of one of the worker's own orders."""
    return order_pages.order_photo(order_id, kind)
