"""Quality control (SPEC §10): cases for bad ends, complaints, random checks and a sample of
completed orders; the result form, the emailed result and the hypotheses report; disputes of
statement lines (SPEC §14) and their decisions.

Fed by ``order.finished`` and ``problem.reported``; reads orders only through their events.
"""

from portal.quality.cases import (
    BAD_ENDS, add_cause, assign_case, check_random_order, close_case, list_causes,
    record_finished, record_problem, sample_completed_orders, sampling_percent, set_cause_active,
    set_sampling_percent,
)
from portal.quality.disputes import MAX_REASON, disputes_for, disputes_of, open_dispute, open_disputes_count, resolve_dispute
from portal.quality.models import DISPUTE_OUTCOMES, REASONS, Case, Cause, FinishedOrder
from portal.quality.queries import (
    CauseReport, HypothesesReport, QueueFilters, case_queue, get_case, hypotheses_report,
    open_cases, reason_label, worker_cases,
)

__all__ = [
    "DISPUTE_OUTCOMES", "MAX_REASON", "disputes_for", "disputes_of", "open_dispute", "open_disputes_count", "resolve_dispute",
    "BAD_ENDS", "REASONS", "Case", "Cause", "CauseReport", "FinishedOrder", "HypothesesReport",
    "QueueFilters", "add_cause", "assign_case", "case_queue", "check_random_order", "close_case",
    "get_case", "hypotheses_report", "list_causes", "open_cases", "reason_label", "record_finished",
    "record_problem", "sample_completed_orders", "sampling_percent", "set_cause_active",
    "set_sampling_percent", "worker_cases",
]
