"""The matching pipeline editor: managers add, remove, reorder, switch and tune steps.

Every change is a CSRF-protected POST that answers a targeted htmx request with the
pipeline fragment alone (and a plain one with Post/Redirect/Get). The page carries the
pipeline's version, so an edit made from a stale page is refused, not misapplied.
"""

from __future__ import annotations

from flask import flash, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import FloatField, HiddenField, IntegerField, StringField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from portal import matching
from portal.errors import DomainError
from portal.htmx import redirect, render, wants_fragment
from portal.i18n import lazy_gettext as _l
from portal.inputs import MAX_ID
from roles.forms import SelectField, apply_domain_error, id_field
from roles.managers import bp

PAGE, FRAGMENT = "managers/matching.html", "managers/_pipeline.html"


class PipelineEditForm(FlaskForm):
    """Any edit: the pipeline version the manager's page showed, and which pipeline (a draft's
    id; none for the live one)."""

    version = id_field()
    pipeline = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID, _l("Reload the page and try again."))])


class NewDraftForm(FlaskForm):
    name = StringField(_l("Name of the draft"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(_l("Name the draft.")),
                                   Length(max=matching.MAX_NAME, message=_l("Use at most %(max)s characters.",
                                                                            max=matching.MAX_NAME))])


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


def _pipeline(pipeline_id: int | None):
    return matching.current_pipeline() if pipeline_id is None else matching.draft(pipeline_id)


def _editor(notice: str | None = None, failed: tuple[int, FlaskForm] | None = None, error=None,
            pipeline_id: int | None = None, new_draft: FlaskForm | None = None):
    """The page, or the pipeline fragment alone, as the pipeline (live, or a draft) is now."""
    pipeline = _pipeline(pipeline_id)
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
    return render(PAGE, FRAGMENT, pipeline=pipeline, rows=rows, addable=addable, notice=notice, error=error,
                  draft=pipeline if pipeline_id is not None else None,
                  drafts=matching.drafts() if pipeline_id is None else (),
                  new_draft=new_draft or NewDraftForm(formdata=None), edit_form=PipelineEditForm(formdata=None))


def _editor_url(pipeline_id: int | None) -> str:
    if pipeline_id is None:
        return url_for("managers.pipeline_editor")
    return url_for("managers.draft_editor", draft_id=pipeline_id)


def _done(message: str, pipeline_id: int | None = None):
    """After a change: the fresh fragment for htmx, a redirect with a flash otherwise."""
    if wants_fragment():
        return _editor(notice=message, pipeline_id=pipeline_id)
    flash(message, "success")
    return redirect(_editor_url(pipeline_id))


def _refused(form: FlaskForm, message, failed=None):
    """The editor of the pipeline the form named, with the refusal (the live one if it is gone)."""
    pipeline_id = form.pipeline.data if "pipeline" in form and not form.pipeline.errors else None
    try:
        return _editor(error=message, failed=failed, pipeline_id=pipeline_id)
    except DomainError as exc:  # the draft itself is gone
        return _editor(error=exc.message)


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
        return _refused(form, _first_error(form))
    try:
        matching.add_step(form.step.data, expected_version=form.version.data, pipeline_id=form.pipeline.data)
    except DomainError as exc:
        return _refused(form, exc.message)
    return _done(_("The step is added at the end of the pipeline."), form.pipeline.data)


@bp.post("/matching/steps/<int:step_id>/remove")
def remove_pipeline_step(step_id: int):
    """Take a step out of the pipeline."""
    form = PipelineEditForm()
    if not form.validate_on_submit():
        return _refused(form, _first_error(form))
    try:
        matching.remove_step(step_id, expected_version=form.version.data, pipeline_id=form.pipeline.data)
    except DomainError as exc:
        return _refused(form, exc.message)
    return _done(_("The step is removed from the draft.") if form.pipeline.data else
                 _("The step is removed; the next match runs without it."), form.pipeline.data)


@bp.post("/matching/steps/<int:step_id>/move")
def move_pipeline_step(step_id: int):
    """Move a step one place up or down."""
    form = MoveStepForm()
    if not form.validate_on_submit():
        return _refused(form, _first_error(form))
    try:
        matching.move_step(step_id, -1 if form.direction.data == "up" else 1,
                           expected_version=form.version.data, pipeline_id=form.pipeline.data)
    except DomainError as exc:
        return _refused(form, exc.message)
    return _done(_("The step is moved."), form.pipeline.data)


@bp.post("/matching/steps/<int:step_id>/switch")
def switch_pipeline_step(step_id: int):
    """Switch a step on or off, keeping its weight and parameters."""
    form = SwitchStepForm()
    if not form.validate_on_submit():
        return _refused(form, _first_error(form))
    enabled = form.enabled.data == "1"
    try:
        matching.set_enabled(step_id, enabled, expected_version=form.version.data, pipeline_id=form.pipeline.data)
    except DomainError as exc:
        return _refused(form, exc.message)
    if form.pipeline.data:
        return _done(_("The step is on.") if enabled else _("The step is off in the draft."), form.pipeline.data)
    return _done(_("The step is on.") if enabled else _("The step is off; the next match skips it."))


@bp.post("/matching/steps/<int:step_id>/tune")
def tune_pipeline_step(step_id: int):
    """Set a step's weight and parameters; a bad value is shown next to its field."""
    named = PipelineEditForm(prefix=f"step{step_id}-")
    pipeline_id = named.pipeline.data if named.pipeline.validate(named) else None
    try:
        pipeline = _pipeline(pipeline_id)
    except DomainError as exc:
        return _editor(error=exc.message)
    config = next((c for c in pipeline.steps if c.id == step_id), None)
    step = matching.get_step(config.step) if config else None
    if step is None:
        return _editor(error=_("This step is no longer in the pipeline."), pipeline_id=pipeline_id)
    form = tune_form(config, step)
    if not form.validate_on_submit():
        return _refused(form, _("The step is not changed: check the values shown."), failed=(step_id, form))
    params = {name: form[name].data for name in step.params}
    try:
        matching.tune_step(step_id, weight=form.weight.data if "weight" in form else None,
                           params=params, expected_version=form.version.data, pipeline_id=pipeline_id)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _refused(form, exc.message if not exc.field else
                        _("The step is not changed: check the values shown."), failed=(step_id, form))
    if pipeline_id:
        return _done(_("The step is tuned in the draft."), pipeline_id)
    return _done(_("The step is tuned; the next match uses the new values."))


# --- drafts: edit a copy, replay it over past orders, then enable it ---------------------------

@bp.get("/matching/drafts/<int:draft_id>")
def draft_editor(draft_id: int):
    """A draft pipeline in the same editor; nothing it changes reaches a match until enabled."""
    try:
        return _editor(pipeline_id=draft_id)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("managers.pipeline_editor"))


@bp.post("/matching/drafts")
def create_pipeline_draft():
    """A new draft: a copy of the live pipeline as it is now."""
    form = NewDraftForm()
    if not form.validate_on_submit():
        return _editor(new_draft=form)
    try:
        created = matching.create_draft(form.name.data)
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _editor(new_draft=form)
    flash(_("The draft is a copy of the live pipeline: change it, then replay it over past orders."), "success")
    return redirect(url_for("managers.draft_editor", draft_id=created.id))


@bp.post("/matching/drafts/<int:draft_id>/enable")
def enable_pipeline_draft(draft_id: int):
    """The draft becomes the live pipeline: the next match uses it."""
    form = PipelineEditForm()
    if not form.validate_on_submit():
        flash(_first_error(form), "error")
        return redirect(_editor_url(draft_id))
    try:
        matching.enable_draft(draft_id, expected_version=form.version.data)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("managers.pipeline_editor"))
    flash(_("The draft is enabled: the next match runs through it."), "success")
    return redirect(url_for("managers.pipeline_editor"))


@bp.post("/matching/drafts/<int:draft_id>/discard")
def discard_pipeline_draft(draft_id: int):
    """Throw a draft away; the replays made with it keep their reports."""
    form = PipelineEditForm()
    if not form.validate_on_submit():
        flash(_first_error(form), "error")
        return redirect(_editor_url(draft_id))
    try:
        matching.discard_draft(draft_id)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The draft is discarded."), "success")
    return redirect(url_for("managers.pipeline_editor"))
