"""Matching jobs: replaying past orders through the live pipeline and a draft."""

from __future__ import annotations

import logging

import dramatiq

from portal import matching, runs
from portal.orders import replay as past_orders

log = logging.getLogger(__name__)


@dramatiq.actor(queue_name="schedule", max_retries=3, time_limit=6 * 3_600_000)
def replay_matching(run_id: int) -> None:
    """A manager's replay: every order of the period through both pipelines, a batch at a
    time; a run taken over goes on from its saved progress (a batch done again adds nothing)."""
    with runs.executing(run_id) as run:
        if run is None:  # done, or another execution has it
            return
        replay = matching.replay_for_run(run_id)
        if replay is None:
            raise LookupError(f"run {run_id} has no replay")
        replayer = matching.Replayer(replay)
        ids = past_orders.requests_in(replay.period_from, replay.period_to)
        run.plan(len(ids))
        for start in range(run.done, len(ids), past_orders.BATCH):
            batch = ids[start:start + past_orders.BATCH]
            matching.keep_results(replayer.replay_id, past_orders.replay_batch(batch, start, replayer.choose))
            run.progress(start + len(batch))
        summary = matching.summarise(replayer.replay_id)
        log.info("replay %s: %d orders, %d chosen differently", replayer.replay_id, summary["requests"],
                 summary["changed"])
