"""Whatever the candidates, the default pipeline never picks someone it must not, and picks
the best of the rest."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import matching
from tests.portal.matching.helpers import reference, sample

SERVICES = ("cleaning", "cooking", "mousing")
counts = st.integers(min_value=0, max_value=60)

candidates = st.lists(
    st.builds(
        lambda sample_id, ratings, **facts: sample(
            sample_id, rating_count=ratings[0], rating_sum=ratings[0] * ratings[1], **facts),
        sample_id=st.integers(min_value=1, max_value=200),
        ratings=st.tuples(counts, st.integers(min_value=1, max_value=5)),
        busy=st.booleans(),
        strengths=st.lists(st.sampled_from(SERVICES), unique=True).map(tuple),
        weaknesses=st.lists(st.sampled_from(SERVICES), unique=True).map(tuple),
        completed=counts, failed=counts, cancelled=counts, disputes=counts, workload=counts,
        failed_this_reference=st.booleans(),
    ),
    max_size=40, unique_by=lambda s: s.sample_id,
)


def expected_totals(ref, survivors):
    """Each survivor's total, added up here from the scorers the stored pipeline switches on."""
    totals = {s.sample_id: 0.0 for s in survivors}
    for config in matching.current_pipeline().steps:
        step = matching.get_step(config.step)
        if step.kind == matching.SCORE and config.enabled:
            scores = step.function(ref, survivors, step.effective_params(config.params))
            for sample_id in totals:
                totals[sample_id] += config.weight * scores.get(sample_id, 0.0)
    return totals


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(samples=candidates, excluded=st.sets(st.integers(min_value=1, max_value=200), max_size=10),
       service=st.sampled_from(SERVICES))
def test_the_winner_is_allowed_and_has_the_highest_total(db, samples, excluded, service):
    ref = reference(excluded=excluded, service_code=service)
    result = matching.match(ref, samples)
    allowed = [s for s in samples if not s.busy and not s.failed_this_reference
               and s.sample_id not in excluded and service not in s.weaknesses]
    explanation = result.explanation
    assert explanation["winner"] == result.sample_id
    assert explanation["survivors"] == len(allowed)
    if not allowed:
        assert result.sample_id is None and explanation["reason"] is not None
        return
    totals = expected_totals(ref, allowed)
    assert result.sample_id in {s.sample_id for s in allowed}
    assert totals[result.sample_id] >= max(totals.values()) - 1e-9
    ranking = explanation["ranking"]
    assert ranking[0]["sample_id"] == result.sample_id
    assert [r["total"] for r in ranking] == sorted((r["total"] for r in ranking), reverse=True)
    assert len(ranking) == min(5, len(allowed))
