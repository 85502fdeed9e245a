"""Matching replays: managers replay a draft pipeline over past orders before enabling it,
read the kept report, and compare two reports side by side.

A replay runs in the background (``portal.runs``); its page polls itself while it runs and
shows the report once it is done. No page here changes an order or a match.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from portal import i18n, matching, orders, runs, timezones
from portal.errors import DomainError
from portal.htmx import redirect, render, stop_polling
from portal.i18n import lazy_gettext as _l
from portal.inputs import page_number, query_int
from roles.forms import DayField, SelectField, apply_domain_error, id_value
from roles.managers import bp

DEFAULT_DAYS = 30


class ReplayForm(FlaskForm):
    """Which draft, over which days (the manager's own calendar days, both included)."""

    draft = SelectField(_l("Draft"), coerce=id_value, validate_choice=False,
                        validators=[InputRequired(_l("Choose a draft to replay."))])
    since = DayField(_l("From"), validators=[InputRequired(_l("Enter the first day."))])
    until = DayField(_l("To"), validators=[InputRequired(_l("Enter the last day."))])


class CompareForm(FlaskForm):
    """Two replays to read side by side (GET: a comparison can be bookmarked)."""

    class Meta:
        csrf = False

    first = SelectField(_l("First replay"), coerce=id_value, validate_choice=False)
    second = SelectField(_l("Second replay"), coerce=id_value, validate_choice=False)


def _replay_label(r) -> str:
    return _("#%(id)s %(draft)s", id=r.id, draft=r.draft_name)


def _page(form: ReplayForm):
    drafts = matching.drafts()
    form.draft.choices = [(d.id, d.name) for d in drafts]
    known = matching.replays()
    compare = CompareForm(formdata=None)
    compare.first.choices = compare.second.choices = [(r.id, _replay_label(r)) for r in known]
    if len(known) > 1:
        compare.first.data, compare.second.data = known[1].id, known[0].id
    return render("managers/replays.html", form=form, drafts=drafts, replays=known,
                  run_of={r.id: r for r in runs.runs_by_id([x.run_id for x in known])}, compare=compare)


@bp.get("/matching/replays")
def replays():
    """Replays so far, a form to start one and a form to compare two."""
    form = ReplayForm(formdata=None)
    today = i18n.local_today()
    form.since.data, form.until.data = today - timedelta(days=DEFAULT_DAYS), today - timedelta(days=1)
    form.draft.data = query_int("draft")
    return _page(form)


@bp.post("/matching/replays")
def start_replay():
    """Start replaying a draft over the chosen days; the report's page shows the progress."""
    form = ReplayForm()
    form.draft.choices = []
    if not form.validate_on_submit():
        return _page(form)
    since, until = sorted((form.since.data, form.until.data))
    period_from, period_to = timezones.day_range(since, until, i18n.display_zone())
    try:
        replay = matching.start_replay(form.draft.data, period_from, period_to, started_by=current_user.name)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _page(form)
    flash(_("The replay has started; no order changes. The report appears here when it is done."), "success")
    return redirect(url_for("managers.replay_report", replay_id=replay.id))


@bp.get("/matching/replays/<int:replay_id>")
def replay_report(replay_id: int):
    """A replay: its progress while it runs, then the report (totals, chart, orders by page)."""
    replay = _replay_or_404(replay_id)
    run = runs.get_run(replay.run_id) if replay.run_id else None
    ready = replay.summary is not None
    changed_only = request.args.get("changed") == "1"
    results = matching.replay_page(replay.id, page_number(), changed_only) if ready else None
    names = _names(replay, results.items if results else ())
    response = render("managers/replay.html", "managers/_replay_report.html", replay=replay, run=run,
                      results=results, names=names, changed_only=changed_only,
                      live_steps=replay.live_steps, draft_steps=replay.draft_steps)
    return stop_polling(response) if ready or (run is not None and run.state == "failed") else response


@bp.get("/matching/replays/compare")
def compare_replays():
    """Two replays' reports side by side, and how often their drafts chose differently."""
    first, second = query_int("first"), query_int("second")
    if first is None or second is None:
        flash(_("Choose two replays to compare."), "error")
        return redirect(url_for("managers.replays"))
    a, b = _replay_or_404(first), _replay_or_404(second)
    if a.summary is None or b.summary is None:
        flash(_("Both replays must be done before they can be compared."), "error")
        return redirect(url_for("managers.replays"))
    names = orders.people_names(sorted({s["id"] for r in (a, b) for s in r.summary["samples"]}))
    return render("managers/replays_compare.html", pair=(a, b), names=names,
                  disagree=matching.disagreements(a.id, b.id))


def _replay_or_404(replay_id: int):
    try:
        return matching.get_replay(replay_id)
    except DomainError:
        abort(404)


def _names(replay, rows) -> dict[int, str]:
    """Names of every worker the page shows, in one query."""
    ids = {s["id"] for s in (replay.summary or {}).get("samples", ())}
    for row in rows:
        ids.update(i for i in (row.actual_id, row.live_id, row.draft_id) if i is not None)
    return orders.people_names(sorted(ids))
