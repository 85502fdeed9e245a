"""What matching is given, in the matching team's words (SPEC §6).

The reference sample is the client's request; an ordinary sample is a candidate
worker. Orders builds these from its own tables and translates at the boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ReferenceSample:
    """The request to be matched: who asks, for what, when."""

    reference_id: int
    request_id: int
    service_code: str
    starts_at: datetime
    ends_at: datetime
    # Ordinary samples never to pick (the one who failed this reference, a rebooked request's).
    excluded: frozenset[int] = frozenset()


@dataclass(frozen=True)
class OrdinarySample:
    """A candidate and the facts about its past that the steps weigh."""

    sample_id: int
    busy: bool = False
    strengths: tuple[str, ...] = ()
    weaknesses: tuple[str, ...] = ()
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    disputes: int = 0
    rating_sum: int = 0
    rating_count: int = 0
    workload: int = 0
    failed_this_reference: bool = False


@dataclass(frozen=True)
class MatchResult:
    """The chosen ordinary sample (None when nobody fits) and why, as JSON-able data."""

    sample_id: int | None
    explanation: dict = field(default_factory=dict)
