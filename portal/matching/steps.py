"""The steps available at start (SPEC §6). Each is O(samples); none touches the database."""

from __future__ import annotations

from portal.i18n import lazy_gettext as _l
from portal.matching.registry import Param, filter_step, score_step
from portal.matching.samples import OrdinarySample, ReferenceSample


@filter_step("free_at_slot", _l("Free at that time"),
             _l("Drops workers who already have an order overlapping the requested time."),
             required=True)
def free_at_slot(reference: ReferenceSample, samples: list[OrdinarySample], params: dict):
    return [s for s in samples if not s.busy]


@filter_step("never_failed_this_client", _l("Never the worker who failed this client"),
             _l("Drops workers who once failed this client, and any worker the order excludes "
                "(a rebooking never goes back to the worker who did not come)."),
             required=True)
def never_failed_this_client(reference: ReferenceSample, samples: list[OrdinarySample], params: dict):
    excluded = reference.excluded
    return [s for s in samples if not s.failed_this_reference and s.sample_id not in excluded]


# Hiring records strengths for few service types, so most workers list this one neither
# as a strength nor as a weakness: requiring a strength would leave nobody. Hence the
# split: a weakness rules a worker out here, a strength earns points in strong_at_service.
@filter_step("can_do_service", _l("Can do this service"),
             _l("Drops workers whose hiring tests list this service type as a weakness."))
def can_do_service(reference: ReferenceSample, samples: list[OrdinarySample], params: dict):
    code = reference.service_code
    return [s for s in samples if code not in s.weaknesses]


@score_step("strong_at_service", _l("Strong at this service"),
            _l("Scores 1 for workers whose hiring tests list this service type as a strength."))
def strong_at_service(reference: ReferenceSample, samples: list[OrdinarySample], params: dict):
    code = reference.service_code
    return {s.sample_id: 1.0 for s in samples if code in s.strengths}


@score_step("past_results", _l("Past results"),
            _l("Scores the record so far: share of orders completed rather than failed, average "
               "rating, and problems reported by clients. A short record counts as an average one."),
            params={
                "prior": Param(_l("Padding"), 5, 0, 1000,
                               _l("How many average orders a short record is padded with.")),
                "rating_share": Param(_l("Share of ratings"), 0.4, 0, 1,
                                      _l("Part of the score that comes from ratings; the rest from completion.")),
                "dispute_penalty": Param(_l("Penalty per problem"), 1.0, 0, 10,
                                         _l("Taken off per problem reported, per completed order.")),
            })
def past_results(reference: ReferenceSample, samples: list[OrdinarySample], params: dict):
    prior = params["prior"]
    rating_share = params["rating_share"]
    dispute_penalty = params["dispute_penalty"]
    # An "average" record the padding stands for: 3 of 4 orders done, 3.5 stars.
    average_completion, average_stars = 0.75, 3.5
    scores = {}
    for s in samples:
        finished = s.completed + s.failed  # a cancellation is the client's doing, not the worker's
        completion = (s.completed + prior * average_completion) / (finished + prior) if finished + prior else average_completion
        stars = (s.rating_sum + prior * average_stars) / (s.rating_count + prior) if s.rating_count + prior else average_stars
        dispute_rate = s.disputes / max(s.completed, 1)
        score = rating_share * (stars - 1) / 4 + (1 - rating_share) * completion - dispute_penalty * dispute_rate
        scores[s.sample_id] = min(1.0, max(0.0, score))
    return scores


@score_step("even_workload", _l("Even workload"),
            _l("Prefers workers with fewer orders in the days around this one, so work is shared out."),
            params={"scale": Param(_l("Half-score load"), 5, 1, 1000,
                                   _l("Orders in the week at which the score falls to one half."))})
def even_workload(reference: ReferenceSample, samples: list[OrdinarySample], params: dict):
    scale = params["scale"]
    return {s.sample_id: scale / (scale + s.workload) for s in samples}


# The pipeline a fresh database starts with: hard rules first, then the scores.
DEFAULT_PIPELINE: tuple[tuple[str, float], ...] = (
    ("free_at_slot", 1.0),
    ("never_failed_this_client", 1.0),
    ("can_do_service", 1.0),
    ("strong_at_service", 1.0),
    ("past_results", 2.0),
    ("even_workload", 1.0),
)
