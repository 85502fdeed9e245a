"""Each built-in step on its own: what it keeps or how it ranks."""

from portal.matching import get_step
from tests.portal.matching.helpers import reference, sample


def run(name, samples, ref=None, **params):
    step = get_step(name)
    return step.function(ref or reference(), samples, step.effective_params(params))


def test_free_at_slot_drops_busy_workers():
    kept = run("free_at_slot", [sample(1), sample(2, busy=True), sample(3)])
    assert [s.sample_id for s in kept] == [1, 3]


def test_never_failed_this_client_drops_who_failed_them_and_the_excluded():
    samples = [sample(1), sample(2, failed_this_reference=True), sample(3), sample(4)]
    kept = run("never_failed_this_client", samples, reference(excluded={3}))
    assert [s.sample_id for s in kept] == [1, 4]


def test_can_do_service_drops_only_workers_weak_at_it():
    samples = [sample(1, weaknesses=("cleaning",)), sample(2, weaknesses=("cooking",)), sample(3),
               sample(4, strengths=("cleaning",))]
    kept = run("can_do_service", samples, reference(service_code="cleaning"))
    assert [s.sample_id for s in kept] == [2, 3, 4]


def test_strong_at_service_scores_those_listing_it_as_a_strength():
    scores = run("strong_at_service", [sample(1, strengths=("cleaning", "cooking")), sample(2, strengths=("cooking",))])
    assert scores.get(1) == 1.0 and scores.get(2, 0.0) == 0.0


def test_past_results_prefers_completions_good_ratings_and_no_disputes():
    reliable = sample(1, completed=20, rating_sum=95, rating_count=20)
    flaky = sample(2, completed=10, failed=10, rating_sum=25, rating_count=10)
    disputed = sample(3, completed=20, rating_sum=95, rating_count=20, disputes=5)
    newcomer = sample(4)
    scores = run("past_results", [reliable, flaky, disputed, newcomer])
    assert scores[1] > scores[4] > scores[2]
    assert scores[3] < scores[1]
    assert all(0.0 <= v <= 1.0 for v in scores.values())


def test_past_results_ignores_cancellations_which_are_the_clients_doing():
    scores = run("past_results", [sample(1, completed=5), sample(2, completed=5, cancelled=30)])
    assert scores[1] == scores[2]


def test_past_results_with_no_padding_judges_the_record_alone():
    scores = run("past_results", [sample(1, completed=1, rating_sum=5, rating_count=1), sample(2)], prior=0)
    assert scores[1] == 1.0


def test_even_workload_prefers_the_less_busy_week():
    scores = run("even_workload", [sample(1, workload=0), sample(2, workload=5), sample(3, workload=20)])
    assert scores[1] == 1.0 and scores[2] == 0.5 and scores[3] < scores[2]
