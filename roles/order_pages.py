"""Pieces the clients', workers' and managers' order pages share (not a role itself)."""

from __future__ import annotations

from flask import Blueprint, abort, make_response
from flask_login import current_user

from portal import orders, people, warehouse
from portal.errors import NotFound



def install(bp: Blueprint) -> None:
    """Give a role's templates the order labels they render."""

    @bp.context_processor
    def _order_labels():
        return {"state_label": orders.state_label, "entry_label": orders.entry_label,
                "kit_state_label": warehouse.kit_state_label}


def image_response(data: bytes, content_type: str):
    """A private image: never cached by shared caches, never sniffed as something else."""
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def order_photo(order_id: int, kind: str):
    """A check-in or report photo, for whoever may see the order (404 for everyone else)."""
    try:
        photo = orders.order_photo(order_id, kind, current_user)
    except NotFound:
        abort(404)
    return image_response(photo.data, photo.content_type)


def worker_portrait(order_id: int):
    """The portrait of the order's worker, for whoever may see the order."""
    try:
        detail = orders.order_detail(order_id, current_user)
    except NotFound:
        abort(404)
    photo = people.worker_photo(detail.order.worker_id) if detail.order.worker_id else None
    if photo is None:
        abort(404)
    return image_response(photo.data, photo.content_type)


def detail_or_404(order_id: int) -> orders.OrderDetail:
    try:
        return orders.order_detail(order_id, current_user)
    except NotFound:
        abort(404)
