"""Thin views over portal.warehouse: the board, and one button per step of a kit.

Every button is a real form (Post/Redirect/Get without JavaScript); with htmx it swaps
just its kit's card, and the board refreshes itself every few seconds for new kits.
"""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from portal import orders, warehouse
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render, wants_fragment
from portal.i18n import lazy_gettext as _l
from portal.inputs import page_number
from roles.warehouse import bp
from roles.warehouse.forms import BoardFilterForm, KitActionForm


def _service_names() -> dict[str, str]:
    """Service names by code, in the viewer's language (one query for the whole board)."""
    lang = str(get_locale() or "en")
    return {s.code: s.name(lang) for s in orders.service_names()}


@bp.get("/")
def home():
    """The kits board: by pickup time, filtered by state and day; the list polls itself."""
    form = BoardFilterForm(request.args)
    kits = warehouse.board(form.filters(), page_number())
    return render("warehouse/home.html", "warehouse/_board.html", form=form, kits=kits,
                  services=_service_names(), action_form=KitActionForm(formdata=None))


def _act(kit_id: int, operation, done):
    """Run one step on a kit: its card again for htmx, else back to the board with a message."""
    if not KitActionForm().validate_on_submit():
        abort(400)
    error = None
    try:
        operation(kit_id, current_user)
    except NotFound:
        abort(404)
    except DomainError as exc:
        error = exc.message
    if wants_fragment():
        return render("warehouse/_kit.html", kit=warehouse.get_kit(kit_id), services=_service_names(),
                      action_form=KitActionForm(formdata=None), error=error, done=None if error else done)
    flash(error or done, "error" if error else "success")
    return redirect(url_for("warehouse.home"))


@bp.post("/kits/<int:kit_id>/assembling")
def start_assembling(kit_id: int):
    """Staff start assembling the kit."""
    return _act(kit_id, warehouse.start_assembling, _l("Assembling."))


@bp.post("/kits/<int:kit_id>/cookie-received")
def cookie_received(kit_id: int):
    """The bakery's fortune cookie arrived and is in the kit."""
    return _act(kit_id, warehouse.mark_cookie_received, _l("The cookie is in the kit."))


@bp.post("/kits/<int:kit_id>/ready")
def ready(kit_id: int):
    """The kit is complete; the worker is emailed to pick it up."""
    return _act(kit_id, warehouse.mark_ready, _l("Ready. The worker is emailed to pick it up."))


@bp.post("/kits/<int:kit_id>/issued")
def issued(kit_id: int):
    """The kit was handed to the worker (the button asked for confirmation first)."""
    return _act(kit_id, warehouse.issue_kit, _l("Issued. The worker can check in."))
