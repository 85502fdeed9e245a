"""The stored pipeline end to end: the choice, its explanation, and managers' edits."""

import pytest

from portal import matching
from portal.errors import Conflict, DomainError, NotFound
from tests.portal.matching.helpers import reference, sample


def step_id(name):
    return next(s.id for s in matching.current_pipeline().steps if s.step == name)


def crowd():
    """Five candidates, each ruled out or ranked by a different step."""
    return [
        sample(1, busy=True, completed=50, rating_sum=250, rating_count=50),        # best record, but busy
        sample(2, failed_this_reference=True, completed=40, rating_sum=200, rating_count=40),
        sample(3, weaknesses=("cleaning",), completed=30, rating_sum=150, rating_count=30),
        sample(4, completed=10, rating_sum=45, rating_count=10, workload=12),      # good record, very busy week
        sample(5, strengths=("cleaning",), workload=0),                            # newcomer, strong, free week
    ]


def test_a_fresh_database_gets_the_default_pipeline_on_first_use(db):
    pipeline = matching.current_pipeline()
    assert [s.step for s in pipeline.steps] == [
        "free_at_slot", "never_failed_this_client", "can_do_service", "strong_at_service",
        "past_results", "even_workload"]
    assert matching.current_pipeline().id == pipeline.id  # seeded once


def test_the_default_pipeline_picks_the_best_free_worker_and_says_why(db):
    result = matching.match(reference(), crowd())
    e = result.explanation
    assert result.sample_id == e["winner"] == e["ranking"][0]["sample_id"] == 5
    assert e["candidates"] == 5 and e["survivors"] == 2
    dropped = {s["step"]: s["dropped_ids"] for s in e["steps"] if s["kind"] == "filter"}
    assert dropped == {"free_at_slot": [1], "never_failed_this_client": [2], "can_do_service": [3]}
    totals = [r["total"] for r in e["ranking"]]
    assert totals == sorted(totals, reverse=True) and [r["sample_id"] for r in e["ranking"]] == [5, 4]
    winner = e["ranking"][0]
    assert winner["total"] == pytest.approx(sum(s["points"] for s in winner["scores"].values()), abs=1e-5)
    assert winner["scores"]["strong_at_service"] == {"score": 1.0, "points": 1.0}


def test_the_explanation_keeps_the_winner_and_four_runners_up(db):
    result = matching.match(reference(), [sample(i, workload=i) for i in range(1, 21)])
    assert [r["sample_id"] for r in result.explanation["ranking"]] == [1, 2, 3, 4, 5]


def test_a_tie_goes_to_the_lower_sample_id_whatever_the_input_order(db):
    twins = [sample(9), sample(7), sample(8)]
    assert matching.match(reference(), twins).sample_id == 7
    assert matching.match(reference(), list(reversed(twins))).sample_id == 7


def test_no_candidates_gives_nobody_and_says_so(db):
    result = matching.match(reference(), [])
    assert result.sample_id is None
    assert result.explanation["reason"] == matching.NO_CANDIDATES and result.explanation["ranking"] == []


def test_everybody_filtered_out_names_the_step_that_emptied_the_list(db):
    result = matching.match(reference(excluded={2}), [sample(1, busy=True), sample(2)])
    assert result.sample_id is None
    assert result.explanation["reason"] == matching.ALL_FILTERED_OUT
    assert result.explanation["emptied_by"] == "never_failed_this_client"


def test_disabling_a_step_changes_the_next_match(db):
    candidates = [sample(1, weaknesses=("cleaning",), completed=30, rating_sum=150, rating_count=30), sample(2)]
    assert matching.match(reference(), candidates).sample_id == 2
    matching.set_enabled(step_id("can_do_service"), False)
    assert matching.match(reference(), candidates).sample_id == 1


def test_changing_a_weight_changes_the_next_match(db):
    candidates = [sample(1, completed=30, rating_sum=150, rating_count=30, workload=3), sample(2)]
    assert matching.match(reference(), candidates).sample_id == 1
    matching.tune_step(step_id("even_workload"), weight=5)
    result = matching.match(reference(), candidates)
    assert result.sample_id == 2
    assert result.explanation["ranking"][0]["scores"]["even_workload"]["points"] == 5.0


def test_changing_a_parameter_changes_the_next_match(db):
    candidates = [sample(1, completed=30, rating_sum=150, rating_count=30, disputes=3), sample(2)]
    assert matching.match(reference(), candidates).sample_id == 1
    matching.tune_step(step_id("past_results"), params={"dispute_penalty": 10})
    assert matching.match(reference(), candidates).sample_id == 2


def test_reordering_changes_which_step_the_next_match_credits(db):
    both = [sample(1, busy=True, failed_this_reference=True), sample(2)]
    first = matching.match(reference(), both).explanation["steps"]
    assert first[0]["step"] == "free_at_slot" and first[0]["dropped_ids"] == [1]
    matching.move_step(step_id("never_failed_this_client"), -1)
    steps = matching.match(reference(), both).explanation["steps"]
    assert [s["step"] for s in steps[:2]] == ["never_failed_this_client", "free_at_slot"]
    assert steps[0]["dropped_ids"] == [1] and steps[1]["dropped"] == 0


def test_removed_and_added_steps_take_effect(db):
    candidates = [sample(1, workload=10, strengths=("cleaning",)), sample(2, workload=0)]
    assert matching.match(reference(), candidates).sample_id == 1
    matching.remove_step(step_id("strong_at_service"))
    assert matching.match(reference(), candidates).sample_id == 2
    matching.add_step("strong_at_service")
    pipeline = matching.current_pipeline()
    assert pipeline.steps[-1].step == "strong_at_service"
    assert matching.match(reference(), candidates).sample_id == 1


def test_every_edit_bumps_the_version_recorded_in_explanations(db):
    before = matching.current_pipeline().version
    matching.tune_step(step_id("past_results"), weight=3)
    assert matching.match(reference(), [sample(1)]).explanation["pipeline_version"] == before + 1


@pytest.mark.parametrize("edit, error", [
    (lambda: matching.set_enabled(step_id("free_at_slot"), False), DomainError),
    (lambda: matching.remove_step(step_id("never_failed_this_client")), DomainError),
    (lambda: matching.add_step("past_results"), DomainError),
    (lambda: matching.add_step("astrology"), DomainError),
    (lambda: matching.move_step(step_id("free_at_slot"), -1), DomainError),
    (lambda: matching.move_step(step_id("even_workload"), 1), DomainError),
    (lambda: matching.tune_step(step_id("past_results"), weight=-1), DomainError),
    (lambda: matching.tune_step(step_id("past_results"), weight=1000), DomainError),
    (lambda: matching.tune_step(step_id("free_at_slot"), weight=2), DomainError),
    (lambda: matching.tune_step(step_id("past_results"), params={"prior": -3}), DomainError),
    (lambda: matching.tune_step(step_id("past_results"), params={"luck": 1}), DomainError),
    (lambda: matching.tune_step(step_id("past_results"), params={"prior": "many"}), DomainError),
    (lambda: matching.tune_step(step_id("past_results"), weight=4, params={"prior": -3}), DomainError),
    (lambda: matching.set_enabled(999_999, False), NotFound),
    (lambda: matching.tune_step(step_id("past_results"), weight=2, expected_version=0), Conflict),
])
def test_a_refused_edit_changes_nothing(app, db, edit, error):
    def snapshot():
        db.session.expire_all()
        p = matching.current_pipeline()
        return p.version, [(s.step, s.position, s.enabled, s.weight, s.params) for s in p.steps]

    before = snapshot()
    with app.test_request_context():
        with pytest.raises(error) as refused:
            edit()
        assert str(refused.value.message)  # a message a manager can read
    assert snapshot() == before


def test_record_match_keeps_the_latest_explanation_per_request(db):
    assert matching.explanation_for(7) is None
    matching.record_match(7, matching.match(reference(request_id=7), []))
    matching.record_match(7, matching.match(reference(request_id=7), [sample(3)]))
    assert matching.explanation_for(7)["winner"] == 3
    assert matching.explanation_for(8) is None


def test_a_match_reads_the_pipeline_in_one_query(db, count_queries):
    matching.current_pipeline()
    db.session.expire_all()
    with count_queries() as n:
        matching.match(reference(), [sample(i) for i in range(1, 500)])
    assert n.count == 1


def test_two_managers_editing_at_once_leave_exactly_one_change(app, db):
    """Both pages show the same version; whichever edit lands second is refused."""
    import threading

    from portal.db import db as _db

    version = matching.current_pipeline().version
    ids = {name: step_id(name) for name in ("past_results", "even_workload")}
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes = []

    def edit(name, weight):
        with app.app_context(), app.test_request_context():
            barrier.wait()
            try:
                matching.tune_step(ids[name], weight=weight, expected_version=version)
                outcomes.append("changed")
            except Conflict:
                outcomes.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=edit, args=args) for args in (("past_results", 7), ("even_workload", 9))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["changed", "refused"]
    db.session.expire_all()
    pipeline = matching.current_pipeline()
    assert pipeline.version == version + 1
    weights = {s.step: s.weight for s in pipeline.steps}
    assert (weights["past_results"], weights["even_workload"]) in ((7, 1), (2, 9))
