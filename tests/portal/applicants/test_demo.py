"""The demo shows applicants at every step a manager can try."""

from __future__ import annotations

from portal import applicants
from portal import demo as demo_data


def test_the_demo_has_applicants_in_different_stages_with_default_test_sets(db):
    demo_data.load()
    counts = applicants.stage_counts()
    assert counts["new"] >= 2 and counts["contacted"] and counts["test_assigned"]
    assert counts["test_taken"] >= 2 and counts["rejected"]
    assert len(applicants.vacancy_defaults()) == 2
