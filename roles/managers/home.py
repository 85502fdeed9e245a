from __future__ import annotations

from portal import notifications, people, runs
from portal.htmx import render
from roles.managers import bp


@bp.get("/")
def home():
    """The managers' overview."""
    return render(
        "managers/home.html",
        counts=people.counts_by_role(),
        email_counts=notifications.counts_by_state(),
        recent_runs=runs.recent_runs(5),
    )
