"""Draft pipelines: a copy of the live pipeline that managers edit, replay over past
requests, and then enable (or discard) without touching a single match meanwhile.

A draft is a stored pipeline under its own name (the live one is "default"), so the
editor's operations work on it unchanged (``pipeline_id``). Enabling copies the draft's
steps into the live pipeline in one transaction (the next match uses them) and drops the
draft; replays keep their own copy of both pipelines (``Snapshot``), so a report stays
readable after either changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.db import db, transaction
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.matching.editing import _changed, _pipeline_for_edit
from portal.matching.models import Pipeline, PipelineStep
from portal.matching.pipeline import PIPELINE_NAME, current_pipeline, draft

MAX_NAME = 40
MAX_DRAFTS = 20  # a handful are compared at a time; more is clutter nobody reads


def drafts() -> list[Pipeline]:
    """Every draft, newest first (one query; steps not loaded)."""
    return list(db.session.scalars(select(Pipeline).where(Pipeline.name != PIPELINE_NAME)
                                   .order_by(Pipeline.id.desc())))


def create_draft(name: str) -> Pipeline:
    """A new draft: the live pipeline's steps as they are now, under ``name``."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise DomainError(_l("Name the draft in 1 to %(max)s characters.", max=MAX_NAME), field="name")
    if name == PIPELINE_NAME:
        raise DomainError(_l("This name is taken by the live pipeline."), field="name")
    live = current_pipeline()
    try:
        with transaction():
            if len(drafts()) >= MAX_DRAFTS:
                raise DomainError(_l("There are %(max)s drafts already: enable or discard one first.",
                                     max=MAX_DRAFTS))
            created = Pipeline(name=name, version=1, updated_at=clock.now(), steps=_copies(live.steps))
            db.session.add(created)
            db.session.flush()
    except IntegrityError:
        raise DomainError(_l("A draft with this name exists already."), field="name") from None
    return draft(created.id)


def enable_draft(draft_id: int, *, expected_version: int | None = None) -> Pipeline:
    """The draft becomes the live pipeline (the next match uses it) and is no longer a draft."""
    with transaction():
        chosen = _pipeline_for_edit(expected_version, draft_id)
        live = current_pipeline(lock=True)
        live.steps[:] = _copies(chosen.steps)
        _changed(live)
        db.session.delete(chosen)
        return live


def discard_draft(draft_id: int) -> None:
    """Throw a draft away (replays made with it keep their copy)."""
    with transaction():
        db.session.delete(_pipeline_for_edit(None, draft_id))


def _copies(steps) -> list[PipelineStep]:
    return [PipelineStep(step=s.step, position=i, enabled=s.enabled, weight=s.weight, params=dict(s.params or {}))
            for i, s in enumerate(steps)]


@dataclass(frozen=True)
class StepCopy:
    step: str
    enabled: bool
    weight: float
    params: dict


@dataclass(frozen=True)
class Snapshot:
    """A pipeline as it was when copied: what ``pipeline.evaluate`` needs, nothing stored."""

    version: int
    steps: tuple[StepCopy, ...]

    @classmethod
    def of(cls, pipeline: Pipeline) -> "Snapshot":
        return cls(pipeline.version, tuple(StepCopy(s.step, s.enabled, s.weight, dict(s.params or {}))
                                           for s in pipeline.steps))

    @classmethod
    def load(cls, version: int, steps: list[dict]) -> "Snapshot":
        return cls(version, tuple(StepCopy(**s) for s in steps))

    def dump(self) -> list[dict]:
        return [{"step": s.step, "enabled": s.enabled, "weight": s.weight, "params": s.params} for s in self.steps]



