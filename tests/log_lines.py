"""The log lines a test caused, as an operator reads them: JSON, one object a line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from portal import logs


@pytest.fixture
def log_lines():
    """``log_lines()``: the lines written so far in this test (INFO and up), parsed.

    Written by a real handler with the production formatter on the root logger, from any
    thread: the request's and the Dramatiq worker's alike."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(level)
