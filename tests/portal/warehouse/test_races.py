"""Two warehouse staff pressing "Issued" at once leave one hand-over on record: real threads,
each with its own app context and connection (row locks on PostgreSQL, the write lock on SQLite)."""

from sqlalchemy import func, select

from portal import warehouse
from portal.db import db as _db
from portal.errors import DomainError
from portal.events import OutboxEvent
from tests import factories
from tests.portal.orders.factories import book
from tests.racing import RACERS, race, user
from tests.portal.warehouse.factories import opened_kit


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
