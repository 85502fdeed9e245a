"""Managers' edits to the pipeline; each one applies to the next match.

Every edit locks the pipeline row, checks the version the manager's page showed (so a
stale page cannot move or remove the wrong step), changes the steps and bumps the version.
"""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError

from portal import clock
from portal.db import db, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.i18n import lazy_gettext as _l
from portal.matching.models import Pipeline, PipelineStep
from portal.matching.pipeline import current_pipeline, draft
from portal.matching.registry import SCORE, get_step

MAX_WEIGHT = 100
STALE = _l("Someone changed the pipeline meanwhile. Here it is as it is now; "
           "make your change again if it is still needed.")


def add_step(name: str, *, expected_version: int | None = None,
             pipeline_id: int | None = None) -> Pipeline:
    """Append a registered step (switched on, weight 1, default parameters)."""
    with transaction():
        pipeline = _pipeline_for_edit(expected_version, pipeline_id)
        if get_step(name) is None:
            raise DomainError(_l("There is no step called %(name)s.", name=name), field="step")
        if any(s.step == name for s in pipeline.steps):
            raise DomainError(_l("This step is already in the pipeline."), field="step")
        pipeline.steps.append(PipelineStep(step=name, position=len(pipeline.steps), enabled=True,
                                           weight=1.0, params={}))
        return _changed(pipeline)


def remove_step(step_id: int, *, expected_version: int | None = None,
             pipeline_id: int | None = None) -> Pipeline:
    """Take a step out of the pipeline (never a required one)."""
    with transaction():
        pipeline = _pipeline_for_edit(expected_version, pipeline_id)
        config = _configured(pipeline, step_id)
        _refuse_if_required(config, _l("This step is a rule MCF never bends; it cannot be removed."))
        pipeline.steps.remove(config)
        return _changed(pipeline)


def move_step(step_id: int, offset: int, *, expected_version: int | None = None,
             pipeline_id: int | None = None) -> Pipeline:
    """Move a step up (offset -1) or down (+1); at either end nothing changes."""
    with transaction():
        pipeline = _pipeline_for_edit(expected_version, pipeline_id)
        config = _configured(pipeline, step_id)
        steps = list(pipeline.steps)
        i = steps.index(config)
        j = i + offset
        if offset not in (-1, 1) or not 0 <= j < len(steps):
            raise DomainError(_l("This step cannot move further that way."))
        steps[i], steps[j] = steps[j], steps[i]
        for position, s in enumerate(steps):
            s.position = position
        return _changed(pipeline)


def set_enabled(step_id: int, enabled: bool, *, expected_version: int | None = None,
             pipeline_id: int | None = None) -> Pipeline:
    """Switch a step on or off without losing its weight and parameters."""
    with transaction():
        pipeline = _pipeline_for_edit(expected_version, pipeline_id)
        config = _configured(pipeline, step_id)
        if not enabled:
            _refuse_if_required(config, _l("This step is a rule MCF never bends; it cannot be switched off."))
        config.enabled = enabled
        return _changed(pipeline)


def tune_step(step_id: int, *, weight: float | None = None, params: dict | None = None,
              expected_version: int | None = None,
             pipeline_id: int | None = None) -> Pipeline:
    """Set a scorer's weight and any step's parameters (refused whole if any value is bad)."""
    with transaction():
        pipeline = _pipeline_for_edit(expected_version, pipeline_id)
        config = _configured(pipeline, step_id)
        step = get_step(config.step)
        if step is None:
            raise DomainError(_l("This step no longer exists; remove it from the pipeline."))
        if weight is not None:
            if step.kind != SCORE:
                raise DomainError(_l("Only scoring steps have a weight."), field="weight")
            if isinstance(weight, bool) or not 0 <= weight <= MAX_WEIGHT:
                raise DomainError(_l("The weight must be between 0 and %(max)s.", max=MAX_WEIGHT),
                                  field="weight")
            config.weight = float(weight)
        if params is not None:
            config.params = {**(config.params or {}), **step.validate_params(params)}
        return _changed(pipeline)


def _pipeline_for_edit(expected_version: int | None, pipeline_id: int | None = None) -> Pipeline:
    """The live pipeline, or the draft ``pipeline_id``, locked for the edit."""
    pipeline = current_pipeline(lock=True) if pipeline_id is None else draft(pipeline_id, lock=True)
    if expected_version is not None and expected_version != pipeline.version:
        raise Conflict(STALE)
    return pipeline


def _configured(pipeline: Pipeline, step_id: int) -> PipelineStep:
    for config in pipeline.steps:
        if config.id == step_id:
            return config
    raise NotFound(_l("This step is no longer in the pipeline."))


def _refuse_if_required(config: PipelineStep, message) -> None:
    step = get_step(config.step)
    if step is not None and step.required:
        raise DomainError(message)


def _changed(pipeline: Pipeline) -> Pipeline:
    """Touch the pipeline row: its UPDATE bumps the version, or fails if another edit won."""
    pipeline.updated_at = clock.now()
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(STALE) from None
    return pipeline
