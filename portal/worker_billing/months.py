"""Payout months: a month closes on its last day at 20:00 in the portal's time zone
(PORTAL_TIME_ZONE); what was booked before is paid out with it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from portal.timezones import Periods, business_zone, wall_clock

CUTOFF_HOUR = 20
TO_NEXT_DAY = timedelta(hours=24 - CUTOFF_HOUR)


def _ym(key: str) -> tuple[int, int]:
    year, month = key.split("-")
    return int(year), int(month)


def _key(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def payout_month(moment: datetime) -> str:
    """The month (``2026-11``) whose payout takes what is booked at ``moment`` (at 20:00 sharp
    on the last day, business time: next month's)."""
    wall = moment.astimezone(business_zone()).replace(tzinfo=None) + TO_NEXT_DAY
    return _key(wall.year, wall.month)


def month_cutoff(month: str) -> datetime:
    """When ``month`` (``2026-11``) closes (UTC): its last day at 20:00 business time."""
    year, number = _ym(PAYOUT_MONTHS.next_key(month))
    last_day = date(year, number, 1) - timedelta(days=1)
    return wall_clock(last_day, time(CUTOFF_HOUR), business_zone())


class PayoutMonths(Periods):
    """The monthly payouts' periods for the scheduler: keyed ``2026-11``, due at their cut-off."""

    def key_at(self, moment: datetime) -> str:
        return payout_month(moment)

    def next_key(self, key: str) -> str:
        year, month = _ym(key)
        return _key(year + month // 12, month % 12 + 1)

    def previous_key(self, key: str) -> str:
        year, month = _ym(key)
        return _key(year - 1, 12) if month == 1 else _key(year, month - 1)

    def due_at(self, key: str) -> datetime:
        return month_cutoff(key)


PAYOUT_MONTHS = PayoutMonths()
