"""The matching pipeline editor: managers add, remove, reorder, switch and tune steps.

Every change is a CSRF-protected POST that answers a targeted htmx request with the
pipeline fragment alone (and a plain one with Post/Redirect/Get). The page carries the
pipeline's version, so an edit made from a stale page is refused, not misapplied.
"""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FloatField, HiddenField, SelectField
from wtforms.validators import AnyOf, InputRequired

from portal import matching
from portal.errors import DomainError
from portal.htmx import redirect, render, wants_fragment
from roles.forms import apply_domain_error, id_field
from roles.managers import bp

PAGE, FRAGMENT = "managers/matching.html", "managers/_pipeline.html"


class PipelineEditForm(FlaskForm):
    """Any edit: the pipeline version the manager's page showed."""

    version = id_field()


class AddStepForm(PipelineEditForm):
    step = SelectField(_l("Step"), validate_choice=False,
                       validators=[InputRequired(_l("Choose a step to add."))])


class MoveStepForm(PipelineEditForm):
    direction = HiddenField(validators=[AnyOf(("up", "down"), _l("Move a step up or down."))])


class SwitchStepForm(PipelineEditForm):
    enabled = HiddenField(validators=[AnyOf(("0", "1"), _l("Switch a step on or off."))])


def tune_form(config, step: matching.Step, **kwargs) -> PipelineEditForm:
    """A form with the step's own fields: the weight (scorers) and each parameter."""

    class TuneStepForm(PipelineEditForm):
        pass

    number = InputRequired(_l("Enter a number."))
    if step.kind == matching.SCORE:
        TuneStepForm.weight = FloatField(_l("Weight"), validators=[number],
                                         description=_l("0 switches the score off; 2 counts it double."))
    for name, param in step.params.items():
        setattr(TuneStepForm, name, FloatField(param.label, validators=[number], description=param.help,
                                               render_kw={"min": param.minimum, "max": param.maximum,
                                                          "step": "any"}))
    return TuneStepForm(prefix=f"step{config.id}-", data={
        "weight": config.weight, **step.effective_params(config.params)}, **kwargs)


@bp.app_template_global("matching_step")
def matching_step(name: str) -> matching.Step | None:
    """The registered step behind a stored name, for labels in pages and explanations."""
    return matching.get_step(name)


def _editor(notice: str | None = None, failed: tuple[int, FlaskForm] | None = None, error=None):
    """The page, or the pipeline fragment alone, as the pipeline is now."""
    pipeline = matching.current_pipeline()
    rows = []
    for config in pipeline.steps:
        step = matching.get_step(config.step)
        if failed and failed[0] == config.id:
            form = failed[1]
        else:
            form = tune_form(config, step, formdata=None) if step and (step.params or step.kind == matching.SCORE) else None
        rows.append((config, step, form))
    present = {config.step for config in pipeline.steps}
    addable = [s for s in matching.registered_steps() if s.name not in present]
    return render(PAGE, FRAGMENT, pipeline=pipeline, rows=rows, addable=addable,
                  notice=notice, error=error)


def _done(message: str):
    """After a change: the fresh fragment for htmx, a redirect with a flash otherwise."""
    if wants_fragment():
        return _editor(notice=message)
    flash(message, "success")
    return redirect(url_for("managers.pipeline_editor"))


def _first_error(form: FlaskForm):
    return next(iter(e for errors in form.errors.values() for e in errors), _("Check the form and try again."))


@bp.get("/matching")
def pipeline_editor():
    """The matching pipeline: steps in order, each with its switch, weight and parameters."""
    return _editor()


@bp.post("/matching/steps")
def add_pipeline_step():
    """Add a registered step at the end of the pipeline."""
    form = AddStepForm()
    if not form.validate_on_submit():
        return _editor(error=_first_error(form))
    try:
        matching.add_step(form.step.data, expected_version=form.version.data)
    except DomainError as exc:
        return _editor(error=exc.message)
    return _done(_("The step is added at the end of the pipeline."))


@bp.post("/matching/steps/<int:step_id>/remove")
def remove_pipeline_step(step_id: int):
    """Take a step out of the pipeline."""
    form = PipelineEditForm()
    if not form.validate_on_submit():
        return _editor(error=_first_error(form))
    try:
        matching.remove_step(step_id, expected_version=form.version.data)
    except DomainError as exc:
        return _editor(error=exc.message)
    return _done(_("The step is removed; the next match runs without it."))


@bp.post("/matching/steps/<int:step_id>/move")
def move_pipeline_step(step_id: int):
    """Move a step one place up or down."""
    form = MoveStepForm()
    if not form.validate_on_submit():
        return _editor(error=_first_error(form))
    try:
        matching.move_step(step_id, -1 if form.direction.data == "up" else 1,
                           expected_version=form.version.data)
    except DomainError as exc:
        return _editor(error=exc.message)
    return _done(_("The step is moved."))


@bp.post("/matching/steps/<int:step_id>/switch")
def switch_pipeline_step(step_id: int):
    """Switch a step on or off, keeping its weight and parameters."""
    form = SwitchStepForm()
    if not form.validate_on_submit():
        return _editor(error=_first_error(form))
    enabled = form.enabled.data == "1"
    try:
        matching.set_enabled(step_id, enabled, expected_version=form.version.data)
    except DomainError as exc:
        return _editor(error=exc.message)
    return _done(_("The step is on.") if enabled else _("The step is off; the next match skips it."))


@bp.post("/matching/steps/<int:step_id>/tune")
def tune_pipeline_step(step_id: int):
    """Set a step's weight and parameters; a bad value is shown next to its field."""
    config = next((c for c in matching.current_pipeline().steps if c.id == step_id), None)
    step = matching.get_step(config.step) if config else None
    if step is None:
        return _editor(error=_("This step is no longer in the pipeline."))
    form = tune_form(config, step)
    if not form.validate_on_submit():
        return _editor(failed=(step_id, form), error=_("The step is not changed: check the values shown."))
    params = {name: form[name].data for name in step.params}
    try:
        matching.tune_step(step_id, weight=form.weight.data if "weight" in form else None,
                           params=params, expected_version=form.version.data)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _editor(failed=(step_id, form), error=exc.message if not exc.field else
                       _("The step is not changed: check the values shown."))
    return _done(_("The step is tuned; the next match uses the new values."))
