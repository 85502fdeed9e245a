"""The outbox with a real Dramatiq worker: events reach their consumers once, whatever fails."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from jobs.broker import broker
from jobs.events import consumers_of, handle_event
from jobs.relay import sweep_outbox
from portal import clock, events
from portal.db import transaction
from portal.errors import DomainError
from tests.conftest import ON_POSTGRES
from tests.jobs.helpers import echo, echoed, is_done, relay_off
from tests.waiting import wait_for, wait_for_a_lock_wait


def settle(worker) -> None:
    """Wait until no event message is queued or in a worker's hands."""
    broker.join("events", timeout=10_000)
    worker.join()


def publish(n: int, name: str = "test.happened") -> str:
    with transaction():
        return events.publish(name, {"n": n}).id


def sweep_after(seconds: int) -> None:
    clock.advance(timedelta(seconds=seconds))
    sweep_outbox()


def test_an_event_is_delivered_once_and_then_done(db, jobs_worker, consumers):
    consumers("test.happened")(echo)
    event_id = publish(1)
    wait_for(lambda: is_done(event_id), message="the event handled")
    assert echoed() == [1]


def test_an_event_of_a_rolled_back_transaction_is_never_delivered(db, jobs_worker, consumers):
    consumers("test.happened")(echo)
    clock.freeze(clock.now())
    with pytest.raises(DomainError):
        with transaction():
            events.publish("test.happened", {"n": 1})
            raise DomainError("refused")
    later = publish(2)
    wait_for(lambda: is_done(later))
    sweep_after(31)
    settle(jobs_worker)
    assert echoed() == [2]


def test_a_savepoint_neither_relays_early_nor_loses_the_events_around_it(db, jobs_worker, consumers, monkeypatch):
    consumers("test.happened")(echo)
    relayed: list[int] = []
    monkeypatch.setattr(events, "_hooks", [*events._hooks, lambda pending: relayed.append(len(pending))])
    with transaction():
        events.publish("test.happened", {"n": 1})
        with db.session.begin_nested():
            pass  # released: not the commit yet
        with pytest.raises(RuntimeError), db.session.begin_nested():
            events.publish("test.happened", {"n": 2})
            raise RuntimeError("rolled back to the savepoint")
        last = events.publish("test.happened", {"n": 3}).id
        assert relayed == []
    assert relayed == [2]
    wait_for(lambda: is_done(last))
    wait_for(lambda: echoed() == [1, 3])


def test_a_crash_between_commit_and_send_is_repaired_by_the_sweep(db, jobs_worker, consumers):
    consumers("test.happened")(echo)
    clock.freeze(clock.now())
    with relay_off():
        event_id = publish(1)
    settle(jobs_worker)
    assert echoed() == []
    sweep_after(29)  # not yet: it may still be on its way
    settle(jobs_worker)
    assert echoed() == []
    sweep_after(2)
    wait_for(lambda: is_done(event_id), message="the swept event handled")
    assert echoed() == [1]


def test_an_unreachable_broker_fails_only_the_send_and_the_sweep_delivers_later(db, jobs_worker, consumers, monkeypatch):
    consumers("test.happened")(echo)
    clock.freeze(clock.now())

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    with monkeypatch.context() as down:
        down.setattr(handle_event, "send", broker_down)
        event_id = publish(1)  # the operation itself succeeds
    assert db.session.get(events.OutboxEvent, event_id) is not None
    sweep_after(31)
    wait_for(lambda: is_done(event_id))
    assert echoed() == [1]


def test_a_duplicated_delivery_has_one_effect(db, jobs_worker, consumers):
    consumers("test.happened")(echo)
    clock.freeze(clock.now())
    event_id = publish(1)
    for _ in range(4):
        handle_event.send(event_id, consumers_of("test.happened")[0])
    sweep_after(31)  # the sweep re-sends it once more for good measure
    settle(jobs_worker)
    assert is_done(event_id)
    assert echoed() == [1]


def test_two_deliveries_at_the_same_moment_have_one_effect(app, db, consumers):
    inside, release = threading.Event(), threading.Event()

    def held_echo(payload, event_id):
        echo(payload, event_id)
        inside.set()
        assert release.wait(10)

    consumers("test.happened")(held_echo)
    event_id = publish(1)
    name = consumers_of("test.happened")[0]
    errors: list[BaseException] = []

    def deliver():
        with app.app_context():
            try:
                handle_event(event_id, name)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

    first = threading.Thread(target=deliver)
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=deliver)
    second.start()
    if ON_POSTGRES:  # the duplicate really is waiting on the first one's claim
        wait_for_a_lock_wait()
    release.set()
    first.join(10)
    second.join(20)
    assert errors == []
    assert echoed() == [1]
    assert is_done(event_id)


def test_a_failing_consumer_is_retried_without_touching_the_publisher(db, jobs_worker, consumers):
    attempts: list[int] = []

    def flaky(payload, event_id):
        attempts.append(1)
        echo(payload, event_id)  # rolled back with each failure
        if len(attempts) < 3:
            raise RuntimeError("the consumer's service is down")

    consumers("test.happened")(flaky)
    event_id = publish(1)
    assert db.session.get(events.OutboxEvent, event_id) is not None  # the publisher is done
    wait_for(lambda: is_done(event_id), message="the retried event handled")
    assert len(attempts) == 3
    assert echoed() == [1]


def test_an_event_is_done_only_when_every_consumer_has_handled_it(db, jobs_worker, consumers):
    failing = threading.Event()
    failing.set()

    def fragile(payload, event_id):
        if failing.is_set():
            raise RuntimeError("down")

    consumers("test.happened")(echo)
    consumers("test.happened")(fragile)
    event_id = publish(1)
    wait_for(lambda: echoed() == [1])
    assert not is_done(event_id)
    failing.clear()
    wait_for(lambda: is_done(event_id), message="done once the fragile consumer recovers")
    assert echoed() == [1]


def test_an_event_nobody_consumes_is_done_at_once(db, jobs_worker):
    event_id = publish(1, name="test.unheard")
    wait_for(lambda: is_done(event_id))
    assert db.session.scalars(select(events.HandledEvent)).all() == []


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs one writer at a time: two consumers cannot overlap there")
def test_two_consumers_finishing_at_the_same_moment_leave_the_event_confirmed(app, db, consumers):
    # Each consumer waits for the other inside its transaction, its handled row written but
    # not committed: both then finish together. Twenty events, so a lucky order cannot pass.
    together = threading.Barrier(2)

    def first(payload, event_id):
        together.wait(10)

    def second(payload, event_id):
        together.wait(10)

    consumers("test.happened")(first)
    consumers("test.happened")(second)
    names = consumers_of("test.happened")
    event_ids = [publish(n) for n in range(20)]
    errors: list[BaseException] = []

    def deliver(event_id, name):
        with app.app_context():
            try:
                handle_event(event_id, name)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

    for event_id in event_ids:
        threads = [threading.Thread(target=deliver, args=(event_id, name)) for name in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    assert errors == []
    assert [event_id for event_id in event_ids if not is_done(event_id)] == []


def test_an_event_stamped_in_the_future_by_a_moved_clock_is_still_swept(db, jobs_worker, consumers):
    consumers("test.happened")(echo)
    clock.freeze(clock.now() + timedelta(days=5))  # the demo data books next week's orders so
    with relay_off():
        event_id = publish(1)
    clock.reset()
    assert events.unconfirmed(created_before=clock.now()) == [(event_id, "test.happened")]
    sweep_outbox()
    wait_for(lambda: is_done(event_id), message="the future-stamped event handled")
    assert echoed() == [1]
