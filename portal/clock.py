"""The one source of "now" for the whole portal.

Tests and the demo move time here instead of patching ``datetime``. The offset is
per process: production never moves it. In demo mode the offset is also kept in a file under
``instance/`` (``keep_offset_in``), so restarting ``make run`` does not send the portal back in
time while its data stays in the future; ``CLOCK_OFFSET_FILE`` names such a file outside demo
mode (the production-shape test). Every process keeping its offset in the same file follows
it: when one process moves the clock, the others read the new offset at their next ``now()``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

_lock = threading.Lock()
_offset = timedelta(0)
_frozen: datetime | None = None
_store: Path | None = None
_seen: tuple[int, int, int] | None = None  # the kept file's inode, mtime and size when last read
# Closer than this to the wall clock counts as the real time (the banner stays away).
_NOT_MOVED = timedelta(minutes=1)


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    if _frozen is not None:
        return _frozen
    if _store is not None:
        _follow()
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
            _save()
    return now()


def move_to(moment: datetime) -> datetime:
    """Set the clock to ``moment`` (aware); a running clock keeps running from there."""
    return advance(moment - now())


def is_moved() -> bool:
    """Whether "now" is not the real time (the demo moved the clock, or a test froze it)."""
    return _frozen is not None or abs(_offset) >= _NOT_MOVED


def is_frozen() -> bool:
    return _frozen is not None


@contextmanager
def walking() -> Iterator[None]:
    """The demo stops the clock at each step of a walk through time (``freeze``); afterwards
    the clock is as it was, running or frozen, and the kept offset untouched."""
    global _frozen, _offset
    with _lock:
        saved = _frozen, _offset
    try:
        yield
    finally:
        with _lock:
            _frozen, _offset = saved


def keep_offset_in(path: Path | str) -> None:
    """Read the offset from ``path``, write it there whenever it moves, and follow the moves
    other processes write there (demo mode; ``CLOCK_OFFSET_FILE``)."""
    global _store
    with _lock:
        _store = Path(path)
        _read()


def _follow() -> None:
    """Re-read the kept offset when the file changed (another process moved the clock).

    One ``stat`` per ``now()``, and only in processes that keep their offset in a file."""
    try:
        st = os.stat(_store)
    except (OSError, TypeError):
        return
    if (st.st_ino, st.st_mtime_ns, st.st_size) != _seen:
        with _lock:
            _read()


def _read() -> None:
    """The offset from the kept file, 0 when there is none (caller holds the lock)."""
    global _offset, _seen
    try:
        st = os.stat(_store)
        _offset = timedelta(seconds=float(_store.read_text().strip()))
        _seen = (st.st_ino, st.st_mtime_ns, st.st_size)
    except (OSError, TypeError, ValueError):
        _offset = timedelta(0)


def _save() -> None:
    """Write the offset where ``keep_offset_in`` said (caller holds the lock)."""
    global _seen
    if _store is None:
        return
    partial = _store.with_suffix(".partial")
    partial.write_text(f"{_offset.total_seconds():.6f}\n")
    os.replace(partial, _store)  # a crash mid-write leaves the old offset, never half a number
    st = os.stat(_store)
    _seen = (st.st_ino, st.st_mtime_ns, st.st_size)  # our own write is no news to follow


def reset() -> None:
    """Back to the wall clock, remembering nothing (tests; a restart forgets all but the file)."""
    global _frozen, _offset, _store, _seen
    with _lock:
        _frozen = None
        _offset = timedelta(0)
        _store = None
        _seen = None
