"""The broker's queues: the operations guide's split of the workers leaves no queue without a
consumer."""

from __future__ import annotations

import re
from pathlib import Path

from jobs.broker import broker


def test_the_operations_guides_dedicated_workers_consume_every_queue():
    """docs/operations.md splits the workers by queue; a queue it leaves out (the warehouse's
    was) would never be consumed in a deployment that follows it."""
    queues = {actor.queue_name for actor in broker.actors.values() if actor.fn.__module__.startswith("jobs.")}
    guide = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    split = re.search(r"run dedicated workers with `--queues ([^`]+)` and `--queues ([^`]+)`", guide)
    assert split, "the guide no longer splits the workers by queue: update this test"
    named = set(split.group(1).split()) | set(split.group(2).split())
    assert queues <= named, f"no dedicated worker consumes {sorted(queues - named)}"
