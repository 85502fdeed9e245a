from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock, events, runs
from portal.errors import DomainError
from portal.htmx import redirect, render, stop_polling
from roles.managers import bp
from roles.managers.forms import EmptyForm


def resend_cutoff():
    """Events created before this and not confirmed by every part would have been re-sent by now."""
    return clock.now() - timedelta(seconds=current_app.config["OUTBOX_RESEND_AFTER"])


@bp.get("/runs")
def runs_list():
    """Background runs (billing, housekeeping) with their progress."""
    return render("managers/runs.html", runs=runs.recent_runs(50), form=EmptyForm(),
                  unconfirmed=events.unconfirmed_count(resend_cutoff()))


@bp.post("/runs/resend-events")
def resend_events():
    """Re-send every event some part of the portal has not confirmed yet, now."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        runs.request_run(events.RESEND_RUN, started_by=current_user.name)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Re-sending unconfirmed events; the progress is below."), "success")
    return redirect(url_for("managers.runs_list"))


@bp.get("/runs/<int:run_id>/progress")
def run_progress(run_id: int):
    """A run's progress bar; polling stops (286) once the run has finished."""
    run = runs.get_run(run_id) or abort(404)
    response = render("components/_progress_page.html", "components/_progress.html", run=run)
    return stop_polling(response) if run.finished else response
