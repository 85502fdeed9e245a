"""Test-only event consumers, registered for one test and forgotten after it."""

from __future__ import annotations

import pytest

import jobs.events


@pytest.fixture
def consumers(monkeypatch):
    """``consumers("test.happened")(fn)`` registers ``fn`` for this test only."""
    monkeypatch.setattr(jobs.events, "_consumers", dict(jobs.events._consumers))
    return jobs.events.consumer
