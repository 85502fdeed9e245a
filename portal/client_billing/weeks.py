"""Billing weeks: a charge belongs to the week whose Sunday 20:00 cut-off, in the portal's
time zone (PORTAL_TIME_ZONE), is still ahead."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from portal.timezones import Periods, business_zone, wall_clock

# The cut-off is Sunday 20:00 business time (docs/decisions.md). Sunday is the ISO week's last
# day, so a wall-clock moment this much later falls in the ISO week whose cut-off is ahead of it.
CUTOFF_HOUR = 20
TO_NEXT_MONDAY = timedelta(hours=24 - CUTOFF_HOUR)


def billing_week(moment: datetime) -> str:
    """The week (``2026-W48``) that invoices a charge made at ``moment`` (at 20:00 sharp on
    Sunday, business time: next week's)."""
    # On the wall clock: a daylight-saving change that weekend moves the UTC hour, not the cut-off.
    wall = moment.astimezone(business_zone()).replace(tzinfo=None)
    year, week, _ = (wall + TO_NEXT_MONDAY).isocalendar()
    return f"{year}-W{week:02d}"


def _monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def week_cutoff(week: str) -> datetime:
    """When ``week`` closes (UTC): its Sunday at 20:00 in the portal's zone."""
    return wall_clock(_monday(week) + timedelta(days=6), time(CUTOFF_HOUR), business_zone())


def _week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class BillingWeeks(Periods):
    """The weekly invoicing's periods for the scheduler: keyed like ``2026-W48``, due at
    their cut-off."""

    def key_at(self, moment: datetime) -> str:
        return billing_week(moment)

    def next_key(self, key: str) -> str:
        return _week_of(_monday(key) + timedelta(days=7))

    def previous_key(self, key: str) -> str:
        return _week_of(_monday(key) - timedelta(days=7))

    def due_at(self, key: str) -> datetime:
        return week_cutoff(key)


BILLING_WEEKS = BillingWeeks()
