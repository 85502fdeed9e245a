"""The portal clock: the one "now", aware UTC, that tests and the demo can move."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from portal import clock

MOSCOW = timezone(timedelta(hours=3))


def test_now_is_aware_utc_and_follows_the_wall_clock():
    before = datetime.now(UTC)
    now = clock.now()
    after = datetime.now(UTC)
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert before <= now <= after
    assert clock.today() == now.date()


def test_frozen_clock_stands_still_until_advanced():
    at = datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    clock.freeze(at)
    assert clock.now() == clock.now() == at
    assert clock.advance(timedelta(minutes=2)) == datetime(2026, 11, 30, 0, 1, tzinfo=UTC)
    assert clock.now() == datetime(2026, 11, 30, 0, 1, tzinfo=UTC)
    assert clock.today() == date(2026, 11, 30)


def test_freeze_keeps_now_in_utc_whatever_zone_it_was_given():
    clock.freeze(datetime(2026, 1, 1, 2, 0, tzinfo=MOSCOW))
    assert clock.now() == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)
    assert clock.today() == date(2025, 12, 31)  # the UTC day, not Moscow's


def test_naive_time_given_to_freeze_is_taken_as_utc():
    clock.freeze(datetime(2026, 3, 1, 12, 0))
    assert clock.now() == datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_running_clock_can_be_moved_forward_and_back():
    # The demo moves a running clock: time keeps flowing from the new point.
    moved = clock.advance(timedelta(days=7))
    assert moved - datetime.now(UTC) > timedelta(days=6, hours=23)
    assert clock.now() >= moved
    clock.advance(timedelta(days=-7))
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)


def test_reset_returns_to_the_wall_clock():
    clock.freeze(datetime(2000, 1, 1, tzinfo=UTC))
    clock.advance(timedelta(days=3))
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)
    clock.advance(timedelta(hours=5))
    clock.reset()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)


def test_processes_keeping_their_offset_in_one_file_move_together(tmp_path):
    """What CLOCK_OFFSET_FILE gives a deployment of several processes (the production-shape
    test): one process moves the clock, another process sees it at its next reading."""
    import subprocess
    import sys

    kept = tmp_path / "clock-offset"
    other = subprocess.Popen(
        [sys.executable, "-c", "import sys; from portal import clock; clock.keep_offset_in(sys.argv[1]);"
         " print(clock.now().isoformat(), flush=True); sys.stdin.readline();"
         " print(clock.now().isoformat(), flush=True)", str(kept)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        before = datetime.fromisoformat(other.stdout.readline().strip())
        assert abs(before - datetime.now(UTC)) < timedelta(minutes=1)
        clock.keep_offset_in(kept)
        clock.advance(timedelta(days=3))
        other.stdin.write("\n")
        other.stdin.flush()
        after = datetime.fromisoformat(other.stdout.readline().strip())
    finally:
        other.stdin.close()
        other.wait(timeout=30)
        clock.reset()
    assert timedelta(days=3) <= after - before < timedelta(days=3, minutes=1)


def test_a_process_not_keeping_an_offset_never_reads_one(tmp_path):
    clock.reset()
    (tmp_path / "clock-offset").write_text("86400\n")
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
