"""Order emails, each in its recipient's language, queued inside the order's transaction."""

from __future__ import annotations

from portal import notifications
from portal.db import db
from portal.orders import rules
from portal.orders.models import Order
from portal.orders.states import state_label
from portal.people.models import User
from portal.urls import external_url


def _send(user_id: int | None, template: str, order: Order, **context) -> None:
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        return
    service = order.service_type
    notifications.queue_email(
        user.email, template, user.language, time_zone=user.time_zone, name=user.name, order=order,
        service_name=service.name(user.language), state_label=state_label,
        check_in_minutes=rules.check_in_early_minutes(), no_show_minutes=rules.no_show_minutes(), **context,
    )


def worker_matched(order: Order) -> None:
    """To the worker: where, when, what (SPEC §13)."""
    _send(order.worker_id, "order_worker_matched", order,
          link=external_url("workers.order", order_id=order.id))


def worker_found(order: Order, worker: User) -> None:
    """To the client: who is coming and the final price."""
    _send(order.client_id, "order_assigned", order, worker_name=worker.name,
          link=external_url("clients.order", order_id=order.id))


def status_changed(order: Order, *, to_client: bool = True, to_worker: bool = True) -> None:
    """A check-in, a completion or a cancellation, to whoever should know."""
    if to_client:
        _send(order.client_id, "order_status", order,
              link=external_url("clients.order", order_id=order.id))
    if to_worker:
        _send(order.worker_id, "order_status", order,
              link=external_url("workers.order", order_id=order.id))


def no_show(order: Order) -> None:
    """The worker did not come: the client gets a rebook link, the worker the news."""
    _send(order.client_id, "order_failed", order,
          link=external_url("clients.rebook", order_id=order.id))
    _send(order.worker_id, "order_status", order,
          link=external_url("workers.order", order_id=order.id))


def no_worker_found(order: Order) -> None:
    """Nobody was free before the start: the order has ended, nothing is charged; book again."""
    _send(order.client_id, "order_expired", order, link=external_url("clients.book"))
