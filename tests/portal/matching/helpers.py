"""Samples for matching tests, in the matching team's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.matching import OrdinarySample, ReferenceSample

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def reference(*, excluded=(), service_code: str = "cleaning", request_id: int = 1) -> ReferenceSample:
    return ReferenceSample(reference_id=100, request_id=request_id, service_code=service_code,
                           starts_at=START, ends_at=START + timedelta(hours=2), excluded=frozenset(excluded))


def sample(sample_id: int, **facts) -> OrdinarySample:
    return OrdinarySample(sample_id=sample_id, **facts)
