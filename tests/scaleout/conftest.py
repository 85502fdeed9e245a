"""The production-shape test brings its own database, Redis and processes: it needs none of the
suite's per-test cleaning (which would build the suite's schema for nothing)."""

import pytest


@pytest.fixture(autouse=True)
def _clean_state():
    yield
