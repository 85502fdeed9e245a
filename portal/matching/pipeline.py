"""Running the stored pipeline: filters map the samples down, scorers add weighted points,
the reduce picks the best; every match explains itself.

The pipeline is read in one query per match. A database without one (fresh, or emptied by
the tests) gets the default pipeline on first use, so matching always works: seeding here
rather than in the migration also covers databases created from the models.
"""

from __future__ import annotations

import heapq

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from portal import clock
from portal.db import db, locked, transaction
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


def _load(lock: bool) -> Pipeline | None:
    if lock:  # editors serialise on the pipeline row
        return locked(Pipeline, Pipeline.name == PIPELINE_NAME, options=[joinedload(Pipeline.steps)])
    query = (select(Pipeline).options(joinedload(Pipeline.steps))
             .where(Pipeline.name == PIPELINE_NAME))
    return db.session.scalars(query).unique().one_or_none()


def _seed_default() -> None:
    """Create the default pipeline; a concurrent first use that wins the race is left alone."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    with transaction():
        created = db.session.execute(
            dialect.insert(Pipeline.__table__).on_conflict_do_nothing()
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


def run(pipeline: Pipeline, reference: ReferenceSample, samples: list[OrdinarySample]) -> MatchResult:
    """Filters in their order (each sees the previous survivors), then the scorers over the
    survivors, then the reduce: highest total wins, the lower sample id on a tie."""
    survivors = list(samples)
    report: list[dict] = []
    scorers = []
    emptied_by = None
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

    winner = ranked[0] if ranked else None
    explanation = {
        "pipeline_version": pipeline.version,
        "reference_id": reference.reference_id,
        "request_id": reference.request_id,
        "candidates": len(samples),
        "survivors": len(survivors),
        "winner": winner,
        "reason": None if winner is not None else (NO_CANDIDATES if not samples else ALL_FILTERED_OUT),
        "emptied_by": emptied_by,
        "steps": report,
        "ranking": [
            {"sample_id": sid, "total": round(totals[sid], 6), "scores": {
                name: {"score": round(scores[name].get(sid, 0.0), 6),
                       "points": round(weight * scores[name].get(sid, 0.0), 6)}
                for name, weight, _, _ in scorers}}
            for sid in ranked
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
