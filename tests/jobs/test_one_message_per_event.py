"""Every consumer of an event in one message and one transaction, and still each effect once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from jobs.broker import broker
from jobs.events import afterwards, consumers_of, handle_event, handle_together
from portal import events
from portal.db import db as _db
from portal.db import transaction
from tests.conftest import ON_POSTGRES
from tests.jobs.helpers import echo, echoed, is_done
from tests.waiting import wait_for, wait_for_a_lock_wait


def publish(n: int, name: str = "test.happened") -> str:
    with transaction():
        return events.publish(name, {"n": n}).id


def echo_as(tag: str):
    """A consumer whose effect is a ``test.<tag>`` event, written in its transaction."""

    def fn(payload, event_id):
        events.publish(f"test.{tag}", payload)

    fn.__name__ = tag
    return fn


def effects(tag: str) -> int:
    """How many times the ``echo_as(tag)`` consumer's work was committed."""
    count = _db.session.scalar(select(func.count()).select_from(events.OutboxEvent)
                               .where(events.OutboxEvent.name == f"test.{tag}"))
    _db.session.rollback()
    return count


def handled_rows(event_id: str) -> list[str]:
    rows = sorted(_db.session.scalars(select(events.HandledEvent.handler)
                                      .where(events.HandledEvent.event_id == event_id)))
    _db.session.rollback()
    return rows


def test_all_consumers_run_and_the_event_is_confirmed_in_one_go(db, consumers):
    for tag in ("billing", "bets", "quality"):
        consumers("test.happened")(echo_as(tag))
    event_id = publish(1)
    assert handle_together(event_id) == 3
    assert is_done(event_id)  # confirmed by the same commit, no sweep needed
    assert [effects(tag) for tag in ("billing", "bets", "quality")] == [1, 1, 1]
    assert handled_rows(event_id) == consumers_of("test.happened")


def test_the_bookkeeping_of_an_event_does_not_grow_with_its_consumers(db, consumers, count_queries):
    def nothing(payload, event_id):
        pass

    consumers("test.one")(nothing)
    for n in range(5):
        def named(payload, event_id):
            pass

        named.__name__ = f"nothing_{n}"
        consumers("test.five")(named)
    one, five = publish(1, "test.one"), publish(2, "test.five")
    with count_queries() as alone:
        handle_together(one)
    with count_queries() as together:
        handle_together(five)
    assert together.count == alone.count <= 4  # (begin,) read the event, claim all, confirm
    assert is_done(one) and is_done(five)


def test_a_redelivered_message_has_no_second_effect(db, jobs_worker, consumers):
    consumers("test.happened")(echo)
    consumers("test.happened")(echo_as("other"))
    event_id = publish(1)
    wait_for(lambda: is_done(event_id), message="the event handled")
    for _ in range(3):  # the same message again, and each consumer's own message
        handle_event.send(event_id)
        for name in consumers_of("test.happened"):
            handle_event.send(event_id, name)
    broker.join("events", timeout=10_000)
    jobs_worker.join()
    assert echoed() == [1]
    assert effects("other") == 1


def test_a_failing_consumer_is_retried_alone_and_the_others_keep_their_one_effect(db, jobs_worker, consumers):
    runs = {"calm": 0, "flaky": 0}

    def calm(payload, event_id):  # runs before flaky (consumers go in name order)
        runs["calm"] += 1
        events.publish("test.calm", payload)

    def flaky(payload, event_id):
        runs["flaky"] += 1
        events.publish("test.flaky", payload)
        if runs["flaky"] <= 3:
            raise RuntimeError("the consumer's service is down")

    consumers("test.happened")(calm)
    consumers("test.happened")(flaky)
    event_id = publish(1)
    wait_for(lambda: is_done(event_id), message="done once the flaky consumer recovers")
    assert (effects("calm"), effects("flaky")) == (1, 1)
    assert runs == {"calm": 2, "flaky": 4}  # calm: rolled back with the first try, then once alone


def test_a_consumer_running_alone_and_the_whole_event_at_the_same_moment_do_each_effect_once(app, db, consumers):
    inside, release = threading.Event(), threading.Event()

    def held(payload, event_id):
        events.publish("test.held", payload)
        inside.set()
        assert release.wait(10)

    consumers("test.happened")(held)
    consumers("test.happened")(echo_as("other"))
    event_id = publish(1)
    held_name = next(name for name in consumers_of("test.happened") if name.endswith("held"))
    errors: list[BaseException] = []

    def run(fn, *args):
        with app.app_context():
            try:
                fn(*args)
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

    alone = threading.Thread(target=run, args=(handle_event.fn, event_id, held_name))
    alone.start()
    assert inside.wait(10)
    inside.clear()
    together = threading.Thread(target=run, args=(handle_together, event_id))
    together.start()
    if ON_POSTGRES:  # the whole event really is waiting on the lone consumer's record
        wait_for_a_lock_wait()
    release.set()
    alone.join(10)
    together.join(20)
    assert errors == []
    assert (effects("held"), effects("other")) == (1, 1)
    assert is_done(event_id)


def test_what_a_consumer_leaves_for_after_its_commit_runs_once_committed_and_never_if_rolled_back(db, consumers):
    seen: list[tuple[int, int]] = []

    def later(payload, event_id):
        events.publish("test.later", payload)

        def look():  # its own session's view: the consumer's work is committed by now
            seen.append((payload["n"], effects("later")))

        afterwards(look)
        if payload["n"] == 2:
            raise RuntimeError("rolled back")

    consumers("test.happened")(later)
    handle_together(publish(1))
    with pytest.raises(RuntimeError):
        handle_together(publish(2))
    assert seen == [(1, 1)]


def _messages_handled(actor: str) -> float:
    from portal import metrics

    return metrics.jobs.labels(actor, "events", "succeeded")._value.get()


def test_the_events_of_one_commit_travel_in_one_message(db, jobs_worker, consumers):
    seen: list[int] = []

    def note(payload, event_id):
        seen.append(payload["n"])

    consumers("test.happened")(note)
    before = {actor: _messages_handled(actor) for actor in ("handle_event", "handle_events")}
    with transaction():  # an ended order: its own event and its emails' in one commit
        ids = [events.publish("test.happened", {"n": n}).id for n in range(3)]
    wait_for(lambda: all(is_done(event_id) for event_id in ids), message="the three events handled")
    assert seen == [0, 1, 2]  # once each, in the order they were published
    wait_for(lambda: _messages_handled("handle_events") == before["handle_events"] + 1, message="the message's line")
    assert _messages_handled("handle_event") == before["handle_event"]


def test_a_failing_consumer_in_a_commits_events_holds_back_neither_the_other_events_nor_their_effects(
        db, jobs_worker, consumers):
    recovered = threading.Event()

    def flaky(payload, event_id):
        events.publish("test.flaky", payload)
        if not recovered.is_set():
            raise RuntimeError("the consumer's service is down")

    consumers("test.broken")(flaky)
    consumers("test.happened")(echo_as("calm"))
    with transaction():  # one commit, one message: the calm event and the broken one
        calm_id = events.publish("test.happened", {"n": 1}).id
        broken_id = events.publish("test.broken", {"n": 2}).id
    wait_for(lambda: is_done(calm_id), message="the calm event done while the other one fails")
    assert not is_done(broken_id) and effects("flaky") == 0
    recovered.set()
    wait_for(lambda: is_done(broken_id), message="the broken event done once its consumer recovers")
    assert (effects("calm"), effects("flaky")) == (1, 1)
    assert handled_rows(calm_id) == consumers_of("test.happened")
    assert handled_rows(broken_id) == consumers_of("test.broken")
