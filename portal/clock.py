"""The one source of "now" for the whole portal.

Tests and the demo move time here instead of patching ``datetime``. The offset is
per process: production never moves it, and the demo runs in one process.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

_lock = threading.Lock()
_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC) + _offset


def today() -> date:
    """Today's date in UTC."""
    return now().date()


def epoch_seconds() -> float:
    """Real seconds since the epoch, never moved: for outside systems that count time
    themselves (the rate limiter's storage stamps its windows with it)."""
    return time.time()


def freeze(at: datetime) -> None:
    """Stop the clock at ``at`` (tests). A naive ``at`` is taken as UTC."""
    global _frozen
    with _lock:
        # Normalise to UTC so now() is UTC whatever zone the caller wrote the time in.
        _frozen = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def advance(delta: timedelta) -> datetime:
    """Move time forward (or back) by ``delta``; works frozen or running."""
    global _frozen, _offset
    with _lock:
        if _frozen is not None:
            _frozen = _frozen + delta
        else:
            _offset = _offset + delta
    return now()


def reset() -> None:
    """Back to the wall clock."""
    global _frozen, _offset
    with _lock:
        _frozen = None
        _offset = timedelta(0)
