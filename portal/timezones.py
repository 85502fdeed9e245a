"""Time zones: the portal's business zone, each person's own, and local time ↔ UTC.

The database keeps UTC. People read and enter times in their zone (their account's, else the
portal's); business periods (the Sunday cut-off, the month's end) are in the portal's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

# The company works in Russian from Moscow (docs/decisions.md); PORTAL_TIME_ZONE overrides it.
DEFAULT_ZONE = "Europe/Moscow"


class NonexistentLocalTime(ValueError):
    """A wall-clock time the clocks skip (the spring-forward hour of a daylight-saving change)."""


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones a person may choose: ``Region/City`` names and UTC, sorted.

    Legacy aliases (``W-SU``, ``US/Eastern``, ``Etc/GMT+3`` with its inverted sign) are left
    out: every place has a ``Region/City`` name that says the same plainly."""
    from zoneinfo import available_timezones

    legacy = ("Etc/", "SystemV/", "US/", "Brazil/", "Canada/", "Chile/", "Mexico/")
    names = {n for n in available_timezones() if "/" in n and not n.startswith(legacy)}
    return tuple(sorted(names | {"UTC"}))


def valid_zone(name: str | None) -> str | None:
    """``name`` if it is one of :func:`zone_names`, else None."""
    name = (name or "").strip()
    return name if name in _zone_set() else None


@cache
def _zone_set() -> frozenset[str]:
    return frozenset(zone_names())


def business_zone_name() -> str:
    if has_app_context():
        return current_app.config.get("PORTAL_TIME_ZONE") or DEFAULT_ZONE
    return DEFAULT_ZONE


def business_zone() -> ZoneInfo:
    """The portal's zone: the weekly cut-off and the month's end are in it."""
    return ZoneInfo(business_zone_name())


def zone_of(name: str | None) -> ZoneInfo:
    """A person's zone from their account's setting; none set (or an unknown one): the portal's."""
    return ZoneInfo(name) if valid_zone(name) else business_zone()


def wall_clock(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC moment the clocks of ``zone`` show ``day`` ``at``: a time they show twice is its
    first occurrence; a time they skip reads as the moment the gap ends plus as much (02:30 in
    a 02:00 → 03:00 gap is 03:30). Business moments (a cut-off, a day's start) use this."""
    return datetime.combine(day, at.replace(tzinfo=None), zone).astimezone(UTC)  # fold=0


def to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """What a person means by ``day`` ``at`` on their clock, in UTC: as :func:`wall_clock`, but
    a time the clocks skip raises NonexistentLocalTime (they choose another)."""
    moment = wall_clock(day, at, zone)
    if moment.astimezone(zone).replace(tzinfo=None) != datetime.combine(day, at.replace(tzinfo=None)):
        raise NonexistentLocalTime(f"{day} {at} does not exist in {zone.key}")
    return moment


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """UTC moment the local ``day`` begins (where midnight is skipped: when the gap ends)."""
    return wall_clock(day, time(), zone)


def day_range(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC [start, end) of the local days ``first`` … ``last`` (inclusive)."""
    return start_of_day(first, zone), start_of_day(last + timedelta(days=1), zone)


def local(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    """``moment`` (aware) on the wall clock of ``zone`` (default: the portal's)."""
    return moment.astimezone(zone or business_zone())


class Periods:
    """Business periods (weeks, months) with string keys, as the scheduler walks them:
    ``key_at(moment)`` is the period ``moment`` falls in (its cut-off still ahead);
    ``due_at(key)`` is the UTC moment that period closes and its run may start."""

    def key_at(self, moment: datetime) -> str: ...
    def next_key(self, key: str) -> str: ...
    def previous_key(self, key: str) -> str: ...
    def due_at(self, key: str) -> datetime: ...

    def period_of(self, moment: datetime) -> str:
        """The period whose run takes in work done at ``moment`` (the first due after it)."""
        key = self.key_at(moment)
        while self.due_at(key) <= moment:
            key = self.next_key(key)
        return key

    def latest_due(self, now: datetime) -> str:
        """The last period closed by ``now``."""
        key = self.key_at(now)
        while self.due_at(key) > now:
            key = self.previous_key(key)
        return key

    def next_due_after(self, now: datetime) -> datetime:
        """The first closing moment strictly after ``now``."""
        return self.due_at(self.next_key(self.latest_due(now)))


def zone_offsets(at: datetime) -> tuple[tuple[str, str], ...]:
    """Every choosable zone with its UTC offset at ``at`` (``UTC+03:00``), for the account page."""
    # Working out 490 offsets takes ~70 ms; they change at night a few times a year, so the
    # labels are worked out once an hour (a label may be half an hour late on a change night).
    return _zone_offsets(at.astimezone(UTC).replace(minute=0, second=0, microsecond=0))


@lru_cache(maxsize=2)
def _zone_offsets(at: datetime) -> tuple[tuple[str, str], ...]:
    out = []
    for name in zone_names():
        offset = at.astimezone(ZoneInfo(name)).utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        out.append((name, f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"))
    return tuple(out)
