"""Running the stored pipeline: filters map the samples down, scorers add weighted points,
the reduce picks the best; every match explains itself.

The pipeline is read in one query per match. A database without one (fresh, or emptied by
the tests) gets the default pipeline on first use, so matching always works: seeding here
rather than in the migration also covers databases created from the models.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.db import db, locked, transaction, upsert
from portal.errors import NotFound
from portal.i18n import lazy_gettext as _l
from portal.matching.models import MatchRecord, Pipeline, PipelineStep
from portal.matching.registry import FILTER, get_step
from portal.matching.samples import MatchResult, OrdinarySample, ReferenceSample
from portal.matching.steps import DEFAULT_PIPELINE

PIPELINE_NAME = "default"
TOP = 5  # the winner and the runners-up kept in an explanation
IDS_KEPT = 20  # dropped samples named per filter; the count is always exact

# Why nobody was chosen (the page words them in the reader's language).
NO_CANDIDATES = "no_candidates"
ALL_FILTERED_OUT = "all_filtered_out"


def current_pipeline(*, lock: bool = False) -> Pipeline:
    """The pipeline with its steps in order (one query); created with the defaults if missing."""
    pipeline = _load(lock)
    if pipeline is None:
        _seed_default()
        pipeline = _load(lock)
    return pipeline


def draft(pipeline_id: int, *, lock: bool = False) -> Pipeline:
    """A draft pipeline with its steps in order (one query); NotFound for the live one or none."""
    criteria = (Pipeline.id == pipeline_id, Pipeline.name != PIPELINE_NAME)
    if lock:
        found = locked(Pipeline, *criteria, options=[selectinload(Pipeline.steps)])
    else:
        found = db.session.scalars(select(Pipeline).options(joinedload(Pipeline.steps))
                                   .where(*criteria)).unique().one_or_none()
    if found is None:
        raise NotFound(_l("This draft no longer exists."))
    return found


def _load(lock: bool) -> Pipeline | None:
    if lock:  # editors serialise on the pipeline row
        return locked(Pipeline, Pipeline.name == PIPELINE_NAME, options=[selectinload(Pipeline.steps)])
    query = (select(Pipeline).options(joinedload(Pipeline.steps))
             .where(Pipeline.name == PIPELINE_NAME))
    return db.session.scalars(query).unique().one_or_none()


def _seed_default() -> None:
    """Create the default pipeline; a concurrent first use that wins the race is left alone."""
    with transaction():
        created = db.session.execute(
            upsert(Pipeline.__table__).on_conflict_do_nothing()
            .values(name=PIPELINE_NAME, version=1, updated_at=clock.now())
            .returning(Pipeline.__table__.c.id)
        ).scalar()
        if created is not None:
            db.session.execute(PipelineStep.__table__.insert(), [
                {"pipeline_id": created, "step": name, "position": i, "enabled": True,
                 "weight": weight, "params": {}}
                for i, (name, weight) in enumerate(DEFAULT_PIPELINE)
            ])


def match(reference: ReferenceSample, samples: list[OrdinarySample]) -> MatchResult:
    """Pick the best ordinary sample for ``reference`` with the stored pipeline."""
    return run(current_pipeline(), reference, samples)


@dataclass
class Evaluation:
    """A pipeline's work on one reference: who survived, who dropped whom, every score."""

    survivors: list[OrdinarySample]
    report: list[dict]
    scorers: list[tuple]  # (name, weight, step, params) of the scorers switched on
    scores: dict[str, dict[int, float]]
    totals: dict[int, float]
    ranked: list[int]
    emptied_by: str | None
    dropped_by: dict[int, str] = field(default_factory=dict)  # sample id -> the filter that dropped it

    @property
    def winner(self) -> int | None:
        return self.ranked[0] if self.ranked else None

    def points(self, name: str, sample_id: int) -> float:
        """The points scorer ``name`` gave ``sample_id`` (0 when it is off or absent)."""
        for scorer, weight, _, _ in self.scorers:
            if scorer == name:
                return weight * self.scores[name].get(sample_id, 0.0)
        return 0.0


def evaluate(pipeline, reference: ReferenceSample, samples: list[OrdinarySample]) -> Evaluation:
    """Filters in their order (each sees the previous survivors), then the scorers over the
    survivors, then the reduce: highest total wins, the lower sample id on a tie.
    ``pipeline`` is a stored one or a ``Snapshot`` (anything with ``version`` and ``steps``)."""
    survivors = list(samples)
    report: list[dict] = []
    scorers = []
    emptied_by = None
    dropped_by: dict[int, str] = {}
    for config in pipeline.steps:
        step = get_step(config.step)
        entry = {"step": config.step, "kind": step.kind if step else None, "enabled": config.enabled}
        report.append(entry)
        if step is None:  # removed from the code since it was put in the pipeline
            entry["skipped"] = "unknown"
            continue
        params = step.effective_params(config.params)
        entry["params"] = params
        if step.kind == FILTER:
            if not config.enabled:
                continue
            kept = {s.sample_id for s in step.function(reference, survivors, params)}
            dropped = [s.sample_id for s in survivors if s.sample_id not in kept]
            if dropped:
                survivors = [s for s in survivors if s.sample_id in kept]
                dropped_by.update(dict.fromkeys(dropped, config.step))
                if not survivors and emptied_by is None:
                    emptied_by = config.step
            entry.update(dropped=len(dropped), dropped_ids=sorted(dropped)[:IDS_KEPT], left=len(survivors))
        else:
            entry["weight"] = config.weight
            if config.enabled:
                scorers.append((config.step, config.weight, step, params))

    scores = {name: step.function(reference, survivors, params) for name, _, step, params in scorers}
    totals = {s.sample_id: 0.0 for s in survivors}
    for name, weight, _, _ in scorers:
        by_sample = scores[name]
        for sample_id in totals:
            totals[sample_id] += weight * by_sample.get(sample_id, 0.0)
    # Rounded so that float noise from adding in another order never decides a tie.
    ranked = [sid for _, sid in heapq.nsmallest(TOP, ((-round(t, 9), sid) for sid, t in totals.items()))]
    return Evaluation(survivors, report, scorers, scores, totals, ranked, emptied_by, dropped_by)


def run(pipeline: Pipeline, reference: ReferenceSample, samples: list[OrdinarySample]) -> MatchResult:
    """Evaluate the pipeline and explain its choice (see ``evaluate``)."""
    e = evaluate(pipeline, reference, samples)
    winner = e.winner
    explanation = {
        "pipeline_version": pipeline.version,
        "reference_id": reference.reference_id,
        "request_id": reference.request_id,
        "candidates": len(samples),
        "survivors": len(e.survivors),
        "winner": winner,
        "reason": None if winner is not None else (NO_CANDIDATES if not samples else ALL_FILTERED_OUT),
        "emptied_by": e.emptied_by,
        "steps": e.report,
        "ranking": [
            {"sample_id": sid, "total": round(e.totals[sid], 6), "scores": {
                name: {"score": round(e.scores[name].get(sid, 0.0), 6),
                       "points": round(weight * e.scores[name].get(sid, 0.0), 6)}
                for name, weight, _, _ in e.scorers}}
            for sid in e.ranked
        ],
    }
    return MatchResult(winner, explanation)


def record_match(request_id: int, result: MatchResult) -> None:
    """Keep the explanation of a match (in the caller's transaction)."""
    with transaction():
        db.session.add(MatchRecord(
            request_id=request_id, sample_id=result.sample_id,
            pipeline_version=result.explanation.get("pipeline_version"),
            explanation=result.explanation, created_at=clock.now(),
        ))


def explanation_for(request_id: int) -> dict | None:
    """The explanation of the latest match for a request (None if it was never matched)."""
    return db.session.scalar(
        select(MatchRecord.explanation).where(MatchRecord.request_id == request_id)
        .order_by(MatchRecord.id.desc()).limit(1)
    )
