"""Replaying past requests through the live pipeline and a draft, before the draft is enabled.

A replay is a background run (``portal.runs``, kind ``REPLAY_RUN``): orders walks the
requests of the period in the order matching met them, rebuilds each one's ordinary samples
as far as its data allows (``portal.orders.replay``), and hands them here; both pipelines
(copied when the replay started) choose, and the result row says who each chose, who really
got the request, and the step that set the two choices apart. Nothing but the replay's own
rows is written: no request, match record or sample changes.

Why the choices differ (``deciding_how``):
- ``dropped_live``: a filter of the draft rules out the live pipeline's choice;
- ``dropped_draft``: a filter of the live pipeline rules out the draft's choice;
- ``scores``: both would have kept both, and this scorer moved the points between them the
  most (its points for the draft's choice minus the live choice's, draft minus live);
- ``tie``: the totals tie and the lower id wins (no step decides).
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from portal import clock, runs
from portal.db import db, transaction, upsert
from portal.errors import DomainError, NotFound
from portal.i18n import lazy_gettext as _l
from portal.matching.drafts import Snapshot
from portal.matching.models import Replay, ReplayResult
from portal.matching.pipeline import current_pipeline, draft, evaluate
from portal.matching.samples import OrdinarySample, ReferenceSample

REPLAY_RUN = "matching.replay"
MAX_DAYS = 400  # a year and a bit: the whole history of most portals
TOP_SAMPLES = 20  # samples named in a report's totals (those whose share moved most)
PER_PAGE = 50
NOBODY = -1  # "nobody chosen" as a totals key (JSON keys are strings)


def start_replay(draft_id: int, period_from: datetime, period_to: datetime, started_by: str) -> Replay:
    """Start replaying the requests that started in [``period_from``, ``period_to``) through the
    live pipeline and the draft. The same draft version over the same period against the same
    live version is the same report: a second click gets the first replay back."""
    if period_from >= period_to:
        raise DomainError(_l("The period must end after it starts."), field="since")
    if period_to > clock.now() + timedelta(days=1):
        raise DomainError(_l("Only past orders can be replayed: end the period today at the latest."),
                          field="until")
    if period_to - period_from > timedelta(days=MAX_DAYS):
        raise DomainError(_l("Replay at most %(days)s days at a time.", days=MAX_DAYS), field="since")
    live = current_pipeline()
    with transaction():
        chosen = draft(draft_id, lock=True)  # two racing clicks queue here; the second finds the first's
        same = db.session.scalar(select(Replay).where(
            Replay.draft_id == chosen.id, Replay.draft_version == chosen.version,
            Replay.live_version == live.version, Replay.period_from == period_from,
            Replay.period_to == period_to))
        if same is not None:
            return same
        replay = Replay(draft_id=chosen.id, draft_name=chosen.name, live_version=live.version,
                        draft_version=chosen.version, live_steps=Snapshot.of(live).dump(),
                        draft_steps=Snapshot.of(chosen).dump(), period_from=period_from,
                        period_to=period_to, started_by=started_by, created_at=clock.now())
        db.session.add(replay)
        db.session.flush()
        replay.run_id = runs.claim_run(REPLAY_RUN, f"replay-{replay.id}", started_by).id
    return replay


def replay_for_run(run_id: int) -> Replay | None:
    return db.session.scalar(select(Replay).where(Replay.run_id == run_id))


class Replayer:
    """Both pipelines of a replay, ready to choose for one request after another."""

    def __init__(self, replay: Replay) -> None:
        self.replay_id = replay.id
        self.live = Snapshot.load(replay.live_version, replay.live_steps)
        self.draft = Snapshot.load(replay.draft_version, replay.draft_steps)

    def choose(self, reference: ReferenceSample, samples: list[OrdinarySample]) -> dict:
        """Who each pipeline picks for ``reference`` and what set them apart."""
        live = evaluate(self.live, reference, samples)
        draft_ = evaluate(self.draft, reference, samples)
        step, how = why_different(live, draft_)
        return {"live_id": live.winner, "draft_id": draft_.winner, "deciding_step": step, "deciding_how": how}


def why_different(live, draft_) -> tuple[str | None, str | None]:
    """The step that set the two choices apart (see the module's notes); None when they agree."""
    a, b = live.winner, draft_.winner
    if a == b:
        return None, None
    if a is not None and a in draft_.dropped_by:
        return draft_.dropped_by[a], "dropped_live"
    if b is not None and b in live.dropped_by:
        return live.dropped_by[b], "dropped_draft"
    if a is None or b is None:  # nobody survived one of them without a filter saying so
        return None, "tie"
    names = dict.fromkeys([s[0] for s in live.scorers] + [s[0] for s in draft_.scorers])
    moved = {name: (draft_.points(name, b) - draft_.points(name, a)) - (live.points(name, b) - live.points(name, a))
             for name in names}
    best = max(moved, key=lambda name: (round(moved[name], 9), name), default=None)
    if best is None or round(moved[best], 9) <= 0:
        return None, "tie"
    return best, "scores"


def keep_results(replay_id: int, rows: list[dict]) -> None:
    """Keep a batch of replayed requests; a batch done again after a take-over adds nothing."""
    if not rows:
        return
    with transaction():
        db.session.execute(upsert(ReplayResult.__table__).on_conflict_do_nothing(
            index_elements=["replay_id", "position"]), [{"replay_id": replay_id, **row} for row in rows])


def summarise(replay_id: int) -> dict:
    """The report's figures, counted set-based from the results and kept on the replay."""
    r = ReplayResult
    total, changed, live_none, draft_none, live_failed, draft_failed, actual_failed, actual_known = db.session.execute(
        select(func.count(), _sum(func.coalesce(r.live_id, NOBODY) != func.coalesce(r.draft_id, NOBODY)),
               _sum(r.live_id.is_(None)), _sum(r.draft_id.is_(None)), _sum(r.live_failed_before),
               _sum(r.draft_failed_before), _sum(r.actual_failed_before), _sum(r.actual_id.is_not(None)))
        .where(r.replay_id == replay_id)).one()
    before = _counts(r.live_id, replay_id)
    after = _counts(r.draft_id, replay_id)
    reasons = [{"step": step, "how": how, "count": n} for step, how, n in db.session.execute(
        select(r.deciding_step, r.deciding_how, func.count()).where(r.replay_id == replay_id, r.deciding_how.is_not(None))
        .group_by(r.deciding_step, r.deciding_how).order_by(func.count().desc(), r.deciding_step))]
    samples = set(before) | set(after)
    moved = sorted(samples, key=lambda s: (-abs(after.get(s, 0) - before.get(s, 0)), -after.get(s, 0), s))
    summary = {
        "requests": total, "changed": changed or 0,
        "nobody": {"live": live_none or 0, "draft": draft_none or 0},
        "failed_before": {"live": live_failed or 0, "draft": draft_failed or 0, "actual": actual_failed or 0,
                          "actual_known": actual_known or 0},
        "spread": {"live": spread(before, samples), "draft": spread(after, samples)},
        "samples": [{"id": s, "before": before.get(s, 0), "after": after.get(s, 0)} for s in moved[:TOP_SAMPLES]],
        "reasons": reasons,
    }
    with transaction():
        db.session.get(Replay, replay_id).summary = summary
    return summary


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _counts(column, replay_id: int) -> dict[int, int]:
    return dict(db.session.execute(select(column, func.count()).where(
        ReplayResult.replay_id == replay_id, column.is_not(None)).group_by(column)).tuples().all())


def spread(counts: dict[int, int], samples: set[int]) -> dict:
    """How evenly requests fall on the samples that either pipeline chose at least once: the
    Gini coefficient (0 every one the same, towards 1 all on one), the busiest's count over
    the median's, and how many got any."""
    values = sorted(counts.get(s, 0) for s in samples)
    n, total = len(values), sum(values)
    if not n or not total:
        return {"gini": 0.0, "max": 0, "median": 0, "ratio": None, "chosen": 0}
    gini = sum((2 * i - n + 1) * v for i, v in enumerate(values)) / (n * total)
    median = statistics.median(values)
    return {"gini": round(gini, 3), "max": values[-1], "median": median,
            "ratio": round(values[-1] / median, 2) if median else None,
            "chosen": sum(1 for v in values if v)}


# --- reading reports (pages) ---------------------------------------------------------------

def replays(limit: int = 50) -> list[Replay]:
    """The latest replays, newest first (one query)."""
    return list(db.session.scalars(select(Replay).order_by(Replay.id.desc()).limit(limit)))


def get_replay(replay_id: int) -> Replay:
    found = db.session.get(Replay, replay_id)
    if found is None:
        raise NotFound(_l("There is no such replay."))
    return found


def replay_page(replay_id: int, page: int, only_changed: bool = False):
    """One page of a replay's requests in the order they were replayed (two queries)."""
    criteria = [ReplayResult.replay_id == replay_id]
    if only_changed:
        criteria.append(func.coalesce(ReplayResult.live_id, NOBODY) != func.coalesce(ReplayResult.draft_id, NOBODY))
    return db.paginate(select(ReplayResult).where(*criteria).order_by(ReplayResult.position),
                       page=page, per_page=PER_PAGE, error_out=False)


def disagreements(first_id: int, second_id: int) -> int:
    """Requests both replays have where their drafts chose differently (one query)."""
    a, b = ReplayResult.__table__.alias("a"), ReplayResult.__table__.alias("b")
    return db.session.scalar(select(func.count()).select_from(a.join(b, a.c.request_id == b.c.request_id)).where(
        a.c.replay_id == first_id, b.c.replay_id == second_id,
        func.coalesce(a.c.draft_id, NOBODY) != func.coalesce(b.c.draft_id, NOBODY))) or 0
