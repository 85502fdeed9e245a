"""Two warehouse staff pressing "Issued" at once leave one hand-over on record: real threads,
each with its own app context and connection (row locks on PostgreSQL, the write lock on SQLite)."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from portal import clock, warehouse
from portal.db import db as _db
from portal.db import transaction
from portal.errors import DomainError
from portal.events import OutboxEvent
from tests import factories
from tests.portal.orders.factories import book
from tests.racing import RACERS, race, user
from tests.conftest import ON_POSTGRES
from tests.portal.warehouse.factories import new_kit, opened_kit
from tests.waiting import wait_for_a_lock_wait


def test_racing_issued_clicks_record_one_hand_over(app, db):
    factories.user("worker")
    staff = [factories.user("warehouse").id for _ in range(RACERS - 1)] + [factories.user("manager").id]
    for day in range(1, 4):
        kit = opened_kit(book(hours_ahead=24 * day))  # the one worker, a job a day
        warehouse.mark_cookie_received(kit.id, user(staff[0]))
        warehouse.mark_ready(kit.id, user(staff[0]))
        kit_id = kit.id
        results = race(app, *[(lambda s=s: warehouse.issue_kit(kit_id, user(s))) for s in staff])
        winners = [r for r in results if not isinstance(r, DomainError)]
        assert len(winners) == 1, results
        _db.session.rollback()
        issued = warehouse.get_kit(kit_id)
        assert issued.state == "issued" and issued.issued_by in staff
        assert sum(1 for p in _db.session.scalars(select(OutboxEvent.payload)
                                                  .where(OutboxEvent.name == "kit.issued"))
                   if p["kit_id"] == kit_id) == 1
    assert _db.session.scalar(select(func.count(warehouse.Kit.id)).where(warehouse.Kit.state == "issued")) == 3


def test_the_bakerys_answer_arriving_while_staff_receive_the_cookie_leaves_it_received(app, db):
    """The bakery answers while the staff's "cookie received" holds the kit: the answer waits
    for the lock and must then read the cookie as it is now, not as it was before the wait."""
    kit_id = new_kit().id
    staff_id = factories.user("warehouse").id
    calling, answer, holding, release = (threading.Event() for _ in range(4))
    errors: list[BaseException] = []

    class Bakery:  # answers once the staff hold the kit
        def order_cookie(self, key, details):
            calling.set()
            assert answer.wait(10)
            return clock.now() + timedelta(hours=2)

    def in_thread(work):
        def run():
            with app.app_context():
                try:
                    work()
                except BaseException as exc:  # noqa: BLE001 - reported by the test
                    errors.append(exc)
                finally:
                    _db.session.remove()
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def receive():
        with transaction():
            warehouse.mark_cookie_received(kit_id, user(staff_id))
            holding.set()
            assert release.wait(10)

    _db.session.commit()
    bakery = in_thread(lambda: warehouse.request_cookie(kit_id, Bakery()))
    assert calling.wait(10)
    staff = in_thread(receive)
    assert holding.wait(10)
    answer.set()
    if ON_POSTGRES:  # the answer really waits on the kit's lock
        wait_for_a_lock_wait()
    release.set()
    staff.join(20)
    bakery.join(20)

    assert errors == []
    _db.session.rollback()
    assert warehouse.get_kit(kit_id).cookie.state == "received"
