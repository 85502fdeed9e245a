"""Matching (SPEC §6): picks the worker for an order with a pipeline managers edit.

Inside this package the matching team's words are used: the client's request is the
*reference sample*, a candidate worker an *ordinary sample*. Matching never reads other
contexts' tables; orders hands it the facts (``ReferenceSample``, ``OrdinarySample``)
and translates the result back.

Design choices:
- Steps are registered callables (``registry.filter_step`` / ``registry.score_step``);
  the pipeline (which steps, order, switch, weight, parameters) is stored and read in
  one query per match. Filters run first, in their order; scorers (0..1 each, times
  their weight) are added up; the highest total wins, the lower sample id on a tie.
- "Free at that time" and "never the worker who failed this client" are required steps:
  managers can move them but not switch them off or remove them.
- A weakness for the service type rules a worker out (``can_do_service``); a strength
  earns points (``strong_at_service``).
- The default pipeline is created on first use (``current_pipeline``).
- Drafts (``drafts.py``) are pipelines under other names, edited with the same operations;
  a replay (``replay.py``) runs past requests through the live pipeline and a draft.
"""

from portal.matching import steps as _steps  # noqa: F401 - registers the built-in steps
from portal.matching.drafts import MAX_NAME, Snapshot, create_draft, discard_draft, drafts, enable_draft
from portal.matching.editing import add_step, move_step, remove_step, set_enabled, tune_step
from portal.matching.pipeline import (
    ALL_FILTERED_OUT, NO_CANDIDATES, current_pipeline, draft, evaluate, explanation_for, match, record_match,
)
from portal.matching.registry import (
    FILTER, SCORE, Param, Step, filter_step, get_step, registered_steps, score_step,
)
from portal.matching.replay import (
    REPLAY_RUN, Replayer, disagreements, get_replay, keep_results, replay_for_run, replay_page, replays,
    start_replay, summarise,
)
from portal.matching.samples import MatchResult, OrdinarySample, ReferenceSample

__all__ = [
    "MAX_NAME", "REPLAY_RUN", "Replayer", "Snapshot", "create_draft", "disagreements", "discard_draft", "draft",
    "drafts", "enable_draft", "evaluate", "get_replay", "keep_results", "replay_for_run", "replay_page", "replays",
    "start_replay", "summarise",
    "ALL_FILTERED_OUT", "FILTER", "MatchResult", "NO_CANDIDATES", "OrdinarySample", "Param",
    "ReferenceSample", "SCORE", "Step", "add_step", "current_pipeline", "explanation_for",
    "filter_step", "get_step", "match", "move_step", "record_match", "registered_steps",
    "remove_step", "score_step", "set_enabled", "tune_step",
]
