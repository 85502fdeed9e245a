"""Kits: opened once per order, the cookie before ready, issued once, cancelled with the order."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock, orders, warehouse
from portal.errors import Conflict, DomainError
from portal.events import OutboxEvent
from portal.notifications import Email
from tests import factories
from tests.portal.orders.factories import book, photo
from tests.portal.warehouse.factories import accepted_payload, issued_kit, opened_kit


@pytest.fixture
def staff(db):
    return factories.user("warehouse", name="Barsik Shelves")


def _assigned():
    factories.user("worker", name="Oliver Paws")
    order = book(client=factories.user("client", name="Tom Tabby"), address="12 Catnip Lane")
    assert order.state == "assigned"
    return order


def test_an_accepted_order_opens_one_kit_with_who_what_and_when(db):
    order = _assigned()
    kit = opened_kit(order)
    again = warehouse.open_kit(accepted_payload(order.id))
    assert again.id == kit.id
    assert db.session.scalar(select(func.count(warehouse.Kit.id))) == 1
    assert (kit.state, kit.client_name, kit.worker_name, kit.starts_at) == (
        "new", "Tom Tabby", "Oliver Paws", order.starts_at)
    assert kit.cookie.state == "requested" and kit.cookie.idempotency_key == f"kit-{kit.id}"


def test_ready_without_the_cookie_is_refused(db, staff):
    kit = opened_kit(_assigned())
    with pytest.raises(DomainError, match="cookie is not in the kit"):
        warehouse.mark_ready(kit.id, staff)
    assert warehouse.get_kit(kit.id).state == "new"
    warehouse.mark_cookie_received(kit.id, staff)
    assert warehouse.mark_ready(kit.id, staff).state == "ready"


def test_ready_emails_the_worker_where_and_when_in_their_language(db, staff, app):
    factories.user("worker", language="ru", name="Мурзик")
    order = book(hours_ahead=5)
    kit = opened_kit(order)
    warehouse.mark_cookie_received(kit.id, staff)
    warehouse.mark_ready(kit.id, staff)
    warehouse.email_pickup(kit.id)
    email = db.session.scalar(select(Email).where(Email.template == "kit_ready"))
    assert email.language == "ru" and "Мурзик" in email.text_body
    assert app.config["WAREHOUSE_ADDRESS"] in email.text_body
    # Picked up an hour before the start.
    pick_up_by = (order.starts_at - timedelta(hours=1)).strftime("%H:%M")
    assert pick_up_by in email.text_body and f"/worker/orders/{order.id}" in email.text_body


def test_issued_records_who_and_when_and_only_once(db, staff):
    clock.freeze(clock.now())
    kit = issued_kit(_assigned(), staff)
    assert (kit.state, kit.issued_by, kit.issued_at) == ("issued", staff.id, clock.now())
    with pytest.raises(Conflict, match="already issued"):
        warehouse.issue_kit(kit.id, staff)
    assert db.session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.name == "kit.issued")) == 1


def test_only_a_ready_kit_is_issued(db, staff):
    kit = opened_kit(_assigned())
    with pytest.raises(Conflict, match="not possible"):
        warehouse.issue_kit(kit.id, staff)


def test_only_staff_handle_kits(db):
    kit = opened_kit(_assigned())
    with pytest.raises(DomainError):
        warehouse.mark_cookie_received(kit.id, factories.user("worker"))


def test_check_in_needs_the_kit_issued(db, staff):
    order = _assigned()
    worker = db.session.get(factories.User, order.worker_id)
    clock.freeze(order.starts_at - timedelta(minutes=10))
    with pytest.raises(DomainError, match="Pick up the order's kit"):
        orders.check_in(order.id, worker, photo())
    issued_kit(order, staff)
    assert orders.check_in(order.id, worker, photo()).state == "in_progress"


def test_a_cancelled_order_cancels_its_kit_even_before_the_kit_was_opened(db):
    order = _assigned()
    orders.cancel_order(order.id, db.session.get(factories.User, order.client_id))
    finished = next(p for p in db.session.scalars(select(OutboxEvent.payload)
                                                  .where(OutboxEvent.name == "order.finished")))
    kit = warehouse.cancel_kit(finished)
    assert kit.state == "cancelled"
    # order.accepted handled late finds the kit cancelled and opens no other.
    assert warehouse.open_kit(accepted_payload(order.id)).state == "cancelled"
    assert warehouse.board(warehouse.BoardFilters()).total == 0
    assert warehouse.board(warehouse.BoardFilters(state="cancelled")).total == 1
