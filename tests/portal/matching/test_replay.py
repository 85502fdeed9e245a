"""Replaying past orders through the live pipeline and a draft (issue 14): the choices, why
they differ, the rebuilt past, the kept report, and that no order or match ever changes."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from bench.generate import generate
from jobs.matching import replay_matching
from portal import clock, matching
from portal.db import db
from portal.errors import DomainError
from portal.matching.models import MatchRecord
from portal.matching.pipeline import evaluate
from portal.matching.replay import why_different
from portal.orders import Feedback, Order, ServiceType
from portal.orders.models import WorkerRecord
from portal.people.models import User, WorkerProfile
from tests import factories
from tests.portal.matching.helpers import reference, sample

_seq = itertools.count(1)
DAY = timedelta(days=1)


def replayed(draft_id: int, since, until):
    """Start a replay and run its job here, in this thread; the replay as it ended."""
    replay = matching.start_replay(draft_id, since, until, started_by="Test Manager")
    replay_matching(replay.run_id)
    db.session.expire_all()
    return matching.get_replay(replay.id)


def results(replay_id: int):
    return matching.replay_page(replay_id, 1).items


def tuned_draft(**weights):
    """A draft of the live pipeline with the given scorers' weights changed."""
    d = matching.create_draft(f"Draft {next(_seq)}")
    for config in d.steps:
        if config.step in weights:
            matching.tune_step(config.id, weight=weights[config.step], pipeline_id=d.id)
    return d


def without(step_name: str):
    d = matching.create_draft(f"Draft {next(_seq)}")
    matching.remove_step(next(c.id for c in d.steps if c.step == step_name), pipeline_id=d.id)
    return d


def backdate_people(days: int = 400) -> None:
    """Generated accounts are made "now"; they were there for the past orders they did."""
    db.session.execute(update(User).values(created_at=clock.now() - timedelta(days=days)))
    db.session.commit()


# --- why two choices differ (pure) -----------------------------------------------------------

def snapshot(*steps):
    return matching.Snapshot.load(1, [{"step": s, "enabled": True, "weight": w, "params": {}} for s, w in steps])


def test_a_filter_only_the_draft_has_is_named_for_dropping_the_live_choice():
    samples = [sample(1, strengths=("cleaning",), weaknesses=("cleaning",)), sample(2)]
    live = evaluate(snapshot(("strong_at_service", 1.0)), reference(), samples)
    draft = evaluate(snapshot(("can_do_service", 1.0), ("strong_at_service", 1.0)), reference(), samples)
    assert (live.winner, draft.winner) == (1, 2)
    assert why_different(live, draft) == ("can_do_service", "dropped_live")
    assert why_different(draft, live) == ("can_do_service", "dropped_draft")


def test_a_weight_change_names_the_scorer_that_moved_the_points():
    samples = [sample(1, workload=9), sample(2, completed=40, rating_sum=200, rating_count=40, workload=0)]
    steps = [("strong_at_service", 1.0), ("past_results", 2.0), ("even_workload", 1.0)]
    live = evaluate(snapshot(*steps), reference(), samples)
    draft = evaluate(snapshot(*[(s, 0.0 if s == "past_results" else w) for s, w in steps]), reference(), samples)
    assert live.winner == 2
    assert why_different(live, draft) == (None, None)  # worker 2 has the lighter week too
    heavier = [sample(1, workload=0), sample(2, completed=40, rating_sum=200, rating_count=40, workload=3)]
    live = evaluate(snapshot(*steps), reference(), heavier)
    draft = evaluate(snapshot(*[(s, 0.0 if s == "past_results" else w) for s, w in steps]), reference(), heavier)
    assert (live.winner, draft.winner) == (2, 1)
    assert why_different(live, draft) == ("past_results", "scores")


def test_equal_totals_are_a_tie_not_a_step():
    samples = [sample(1), sample(2)]
    live = evaluate(snapshot(("even_workload", 1.0)), reference(), samples)
    draft = evaluate(snapshot(("even_workload", 1.0)), reference(), list(reversed(samples)))
    assert why_different(live, draft) == (None, None)  # the lower id wins both times


# --- the past as it was ----------------------------------------------------------------------

def _order(client, worker, service, starts, *, state="completed", booked=None, assigned=True, hours=2, finished=None):
    booked = booked or starts - 2 * DAY
    return db.session.execute(insert(Order).returning(Order.id), [dict(
        client_id=client.id, worker_id=worker.id if worker else None, service_type_id=service,
        description="Chore", address="1 Street", starts_at=starts, ends_at=starts + timedelta(hours=hours),
        state=state, price_cents=10_000, created_at=booked, assigned_at=booked if assigned and worker else None,
        finished_at=finished or (starts + timedelta(hours=hours) if state != "assigned" else None), version=1)]).scalar_one()


def _service() -> int:
    return db.session.execute(insert(ServiceType).returning(ServiceType.id), [dict(
        code=f"cleaning{next(_seq)}", name_en="Cleaning", name_ru="Уборка", base_price_cents=10_000, active=True,
        created_at=clock.now())]).scalar_one()


@pytest.fixture
def past(db):
    """A month ago: workers who were there, one who failed the client, one busy at the slot."""
    now = clock.now().replace(microsecond=0)
    long_ago = now - 100 * DAY
    clock.freeze(long_ago)
    failed_before, busy, free = (factories.user("worker", name=n) for n in ("Failed Before", "Busy Then", "Free"))
    client = factories.user("client")
    clock.freeze(now)
    late = factories.user("worker", name="Joined Later")
    service = _service()
    slot = now - 30 * DAY
    _order(client, failed_before, service, slot - 10 * DAY, state="failed", finished=slot - 10 * DAY)
    # Busy then: assigned before our order was booked, overlapping its slot.
    _order(factories.user("client"), busy, service, slot - timedelta(hours=1))
    ours = _order(client, failed_before, service, slot)  # really given to the worker who had failed them
    db.session.commit()
    clock.reset()
    return dict(failed_before=failed_before, busy=busy, free=free, late=late, order=ours, slot=slot, client=client)


def test_each_order_is_replayed_with_the_candidates_it_had_then(past):
    d = tuned_draft(even_workload=3.0)
    replay = replayed(d.id, past["slot"] - DAY, past["slot"] + DAY)
    row = next(r for r in results(replay.id) if r.request_id == past["order"])
    assert row.actual_id == past["failed_before"].id
    assert row.actual_failed_before is True
    # Not the one who failed the client, not the one busy then, not the one who joined later.
    assert row.live_id == past["free"].id and row.draft_id == past["free"].id
    assert not row.live_failed_before and row.deciding_how is None
    assert replay.summary["failed_before"] == {"live": 0, "draft": 0, "actual": 1, "actual_known": 2}


def test_a_worker_assigned_after_the_booking_was_free_then(past):
    # The free worker's other order overlapping the slot was assigned only after ours was booked.
    _order(factories.user("client"), past["free"], _service(), past["slot"], booked=past["slot"] - DAY)
    db.session.commit()
    replay = replayed(matching.create_draft("Same").id, past["slot"] - DAY, past["slot"] + DAY)
    mine = next(r for r in results(replay.id) if r.request_id == past["order"])
    assert mine.live_id == past["free"].id


def test_records_count_only_what_had_happened_by_the_booking(past):
    """Judged on past results alone, the worker with five good orders before the booking beats
    one with no record then, though the latter has done twenty perfect orders since."""
    service, other = _service(), factories.user("client")
    clock.freeze(past["slot"] - 90 * DAY)
    star = factories.user("worker", name="Star Since")
    clock.reset()
    for i in range(5):
        _rated(_order(other, past["free"], service, past["slot"] - (20 + i) * DAY), past["slot"] - (20 + i) * DAY)
    for i in range(20):
        when = clock.now() - (i + 1) * timedelta(hours=3)
        _rated(_order(other, star, service, when), when)
    db.session.commit()
    d = tuned_draft(even_workload=0.0, strong_at_service=0.0)
    replay = replayed(d.id, past["slot"] - DAY, past["slot"] + DAY)
    mine = next(r for r in results(replay.id) if r.request_id == past["order"])
    assert mine.draft_id == past["free"].id


def _rated(order_id: int, at) -> None:
    db.session.execute(insert(Feedback), [dict(order_id=order_id, kind="rating", stars=5, comment="",
                                               created_at=at + timedelta(hours=3))])


# --- the report, kept; nothing else changes --------------------------------------------------

@pytest.fixture
def history(db):
    generate(workers=25, clients=15, orders=400, seed=7)
    backdate_people()
    return clock.now() - 366 * DAY, clock.now()


def everything_else():
    """Every row a replay must leave alone: orders, match records, workers' records, feedback."""
    return (db.session.execute(select(Order.__table__).order_by(Order.id)).all(),
            db.session.execute(select(WorkerRecord.__table__).order_by(WorkerRecord.worker_id)).all(),
            db.session.execute(select(Feedback.__table__).order_by(Feedback.order_id)).all(),
            db.session.execute(select(MatchRecord.__table__).order_by(MatchRecord.id)).all(),
            [(p.id, p.version) for p in [matching.current_pipeline()]],
            db.session.execute(select(WorkerProfile.__table__).order_by(WorkerProfile.user_id)).all())


def test_a_replay_changes_no_order_and_no_match(history):
    before = everything_else()
    d = without("can_do_service")
    replay = replayed(d.id, *history)
    db.session.expire_all()
    assert everything_else() == before
    assert replay.summary["requests"] == 400


def test_an_unchanged_draft_chooses_as_the_live_pipeline_every_time(history):
    replay = replayed(matching.create_draft("Same as live").id, *history)
    s = replay.summary
    assert s["requests"] == 400 and s["changed"] == 0 and s["reasons"] == []
    assert all(r["before"] == r["after"] for r in s["samples"])
    assert s["spread"]["live"] == s["spread"]["draft"]


def test_without_a_filter_every_difference_is_that_filter_letting_its_workers_back(history):
    replay = replayed(without("can_do_service").id, *history)
    s = replay.summary
    assert s["changed"] > 0
    assert s["reasons"] == [{"step": "can_do_service", "how": "dropped_draft", "count": s["changed"]}]
    assert sum(x["before"] for x in s["samples"]) <= s["requests"]


def test_reports_of_two_drafts_compare(history):
    first = replayed(tuned_draft(past_results=0.0).id, *history)
    second = replayed(tuned_draft(even_workload=5.0).id, *history)
    assert first.summary["changed"] > 0 and second.summary["changed"] > 0
    both_differ = sum(1 for a, b in zip(results(first.id), results(second.id)) if a.draft_id != b.draft_id)
    assert matching.disagreements(first.id, second.id) >= both_differ > 0


def test_a_second_click_gets_the_same_replay_back(history):
    d = matching.create_draft("Twice")
    one = matching.start_replay(d.id, *history, started_by="A")
    two = matching.start_replay(d.id, *history, started_by="B")
    assert one.id == two.id
    assert len(matching.replays()) == 1


@pytest.mark.parametrize(("since", "until", "field"), [
    (0, 0, "since"),                 # empty
    (0, 10, "since"),                # ends before it starts
    (3, -5, "until"),                # reaches into the future
    (500, 0, "since"),               # longer than MAX_DAYS
])
def test_a_bad_period_is_refused_and_starts_nothing(db, since, until, field):
    d = matching.create_draft("Any")
    now = clock.now()
    with pytest.raises(DomainError) as refused:
        matching.start_replay(d.id, now - since * DAY, now - until * DAY, started_by="A")
    assert refused.value.field == field
    assert matching.replays() == []
