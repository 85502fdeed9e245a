"""Demo kits: issued for the orders the demo works through, and the coming ones in every state."""

from __future__ import annotations

from sqlalchemy import select

from portal.db import db
from portal.events import OutboxEvent
from portal.people import User
from portal.warehouse.bakery import SandboxBakery
from portal.warehouse.models import Kit
from portal.warehouse.queries import get_kit
from portal.warehouse.operations import (
    cancel_kit, issue_kit, mark_cookie_received, mark_ready, open_kit, request_cookie,
    start_assembling,
)

STAFF = "warehouse@mcf.test"


def _payloads(event: str) -> list[dict]:
    """What the orders context told the warehouse so far, oldest first."""
    return list(db.session.scalars(select(OutboxEvent.payload).where(OutboxEvent.name == event)
                                   .order_by(OutboxEvent.created_at)))


def accepted_payload(order_id: int) -> dict:
    """The ``order.accepted`` payload of one order, as the kit job receives it."""
    return next(p for p in reversed(_payloads("order.accepted")) if p["order_id"] == order_id)


def hand_over(order_id: int, staff: User) -> Kit:
    """Bring an order's kit, in whatever state the warehouse left it, to issued: opened,
    the cookie in, ready, handed to the worker (the orders the demo plays out)."""
    kit_id = open_kit(accepted_payload(order_id)).id
    kit = get_kit(kit_id)  # read with its cookie after each step: a commit expires both
    if kit.state in ("new", "assembling") and kit.cookie.state != "received":
        mark_cookie_received(kit_id, staff)
    if get_kit(kit_id).state in ("new", "assembling"):
        mark_ready(kit_id, staff)
    if get_kit(kit_id).state == "ready":
        issue_kit(kit_id, staff)
    return get_kit(kit_id)


def load_kits(people: dict[str, User]) -> None:
    """A kit for every accepted order; the coming ones new, assembling, with the cookie, ready."""
    staff = people[STAFF]
    for payload in _payloads("order.accepted"):
        open_kit(payload)
    for payload in _payloads("order.finished"):
        if payload["outcome"] in ("cancelled", "failed"):
            cancel_kit(payload)
    coming = list(db.session.scalars(select(Kit).where(Kit.state == "new").order_by(Kit.starts_at)))
    calm_bakery = SandboxBakery()
    for i, kit in enumerate(coming):
        if i % 4 >= 1:
            request_cookie(kit.id, calm_bakery)  # expected in ten minutes
        if i % 4 >= 2:
            start_assembling(kit.id, staff)
        if i % 4 == 3:
            mark_cookie_received(kit.id, staff)
            mark_ready(kit.id, staff)
