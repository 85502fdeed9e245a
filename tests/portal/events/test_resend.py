"""When the sweep re-sends an unconfirmed event: after 30 s, then less and less often."""

from __future__ import annotations

from datetime import timedelta

from portal import clock, events
from portal.db import transaction

WAIT = timedelta(seconds=30)


def due() -> list[str]:
    return [event_id for event_id, _ in events.due_for_resend(WAIT)]


def test_each_resend_waits_twice_as_long_up_to_a_limit(db):
    clock.freeze(clock.now())
    with transaction():
        event_id = events.publish("test.happened", {}).id
    clock.advance(WAIT - timedelta(seconds=1))
    assert due() == []  # the relay may still be delivering it
    clock.advance(timedelta(seconds=1))
    for n in range(events.MAX_DOUBLINGS + 2):
        assert due() == [event_id]
        events.mark_sent([event_id])
        wait = WAIT * 2 ** min(n + 1, events.MAX_DOUBLINGS)
        clock.advance(wait - timedelta(seconds=1))
        assert due() == [], f"re-sent too soon after send {n + 1}"
        clock.advance(timedelta(seconds=1))
    assert wait == timedelta(minutes=32)


def test_a_handled_event_is_never_resent(db):
    clock.freeze(clock.now())
    with transaction():
        event_id = events.publish("test.happened", {}).id
        events.mark_done_if_complete(event_id, [])
    clock.advance(timedelta(days=1))
    assert due() == []
    assert events.unconfirmed(created_before=clock.now()) == []


def test_a_manager_resend_takes_every_unconfirmed_event_at_once(db):
    clock.freeze(clock.now())
    with transaction():
        first = events.publish("test.happened", {}).id
    events.mark_sent([first])  # re-sent once already: no matter
    clock.advance(timedelta(seconds=1))
    with transaction():
        second = events.publish("test.other", {}).id
    assert events.unconfirmed(created_before=clock.now()) == [(first, "test.happened")]
    clock.advance(timedelta(seconds=1))
    assert events.unconfirmed(created_before=clock.now()) == [(first, "test.happened"), (second, "test.other")]
