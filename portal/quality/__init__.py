"""Quality control (SPEC §10): cases for bad ends, complaints, random checks and a sample of
completed orders; the result form, the emailed result and the hypotheses report.

Fed by ``order.finished`` and ``problem.reported``; reads orders only through their events.
"""

from portal.quality.cases import (
    BAD_ENDS, add_cause, assign_case, check_random_order, close_case, list_causes,
    record_finished, record_problem, sample_completed_orders, sampling_percent, set_cause_active,
    set_sampling_percent,
)
from portal.quality.models import REASONS, Case, Cause, FinishedOrder
from portal.quality.queries import (
    CauseReport, HypothesesReport, QueueFilters, case_queue, get_case, hypotheses_report,
    open_case_count, reason_label, worker_cases,
)

__all__ = [
    "BAD_ENDS", "REASONS", "Case", "Cause", "CauseReport", "FinishedOrder", "HypothesesReport",
    "QueueFilters", "add_cause", "assign_case", "case_queue", "check_random_order", "close_case",
    "get_case", "hypotheses_report", "list_causes", "open_case_count", "reason_label", "record_finished",
    "record_problem", "sample_completed_orders", "sampling_percent", "set_cause_active",
    "set_sampling_percent", "worker_cases",
]
