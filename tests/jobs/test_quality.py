"""Quality consumers and the sampler with a real Dramatiq worker."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jobs.events import handle_event
from jobs.quality import sample_completed_orders
from jobs.schedule import periodic_jobs
from portal import events, quality
from portal.db import db as _db
from tests import factories
from tests.portal.bets.factories import accepted_order, fail, kits_handed_out  # noqa: F401
from tests.portal.quality.factories import completed_order
from tests.waiting import wait_for

pytestmark = pytest.mark.usefixtures("kits_handed_out")


def case_reasons(order_id: int) -> list[str]:
    reasons = list(_db.session.scalars(select(quality.Case.reason).where(quality.Case.order_id == order_id)))
    _db.session.rollback()
    return reasons


def test_sampling_is_scheduled():
    assert "quality.sampling" in {job.name for job in periodic_jobs()}


def test_a_failed_order_gets_one_case_however_often_its_event_is_delivered(db, jobs_worker):
    order = fail(accepted_order())
    wait_for(lambda: case_reasons(order.id) == ["failed"], message="the case to open")
    event_id = _db.session.scalar(select(events.OutboxEvent.id).where(events.OutboxEvent.name == "order.finished"))
    _db.session.rollback()
    for _ in range(3):  # the sweep's re-sends, a redelivery after a lost ack...
        handle_event.fn(event_id, "quality.open_case_for_bad_end")
    # ...and the same news under another event id (a re-publish) still opens no second case.
    payload = _db.session.get(events.OutboxEvent, event_id).payload
    quality.record_finished(payload)
    assert case_reasons(order.id) == ["failed"]


def test_the_scheduled_sampler_opens_cases_for_completed_orders(db, jobs_worker):
    quality.set_sampling_percent(100, factories.user("manager"))
    order = completed_order()
    sample_completed_orders.send()
    wait_for(lambda: case_reasons(order.id) == ["sampled"], message="the sampled case")
