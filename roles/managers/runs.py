from __future__ import annotations

from flask import abort

from portal import runs
from portal.htmx import render, wants_fragment
from roles.managers import bp


@bp.get("/runs")
def runs_list():
    """Background runs (billing, housekeeping) with their progress."""
    return render("managers/runs.html", runs=runs.recent_runs(50))


@bp.get("/runs/<int:run_id>/progress")
def run_progress(run_id: int):
    """A run's progress bar; polling stops (286) once the run has finished."""
    run = runs.get_run(run_id) or abort(404)
    response = render("components/_progress_page.html", "components/_progress.html", run=run)
    if run.finished and wants_fragment():
        response.status_code = 286
    return response
