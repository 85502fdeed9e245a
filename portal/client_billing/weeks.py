"""Billing weeks: a charge belongs to the week whose Sunday 20:00 UTC cut-off is still ahead."""

from __future__ import annotations

from datetime import datetime, timedelta

# The cut-off is Sunday 20:00 UTC (docs/decisions.md). Sunday is the ISO week's last day, so a
# moment this much later falls in the ISO week whose cut-off is still ahead of it.
CUTOFF_HOUR = 20
TO_NEXT_MONDAY = timedelta(hours=24 - CUTOFF_HOUR)


def billing_week(moment: datetime) -> str:
    """The week (``2026-W48``) that invoices a charge made at ``moment`` (at 20:00 sharp on
    Sunday: next week's)."""
    year, week, _ = (moment + TO_NEXT_MONDAY).isocalendar()
    return f"{year}-W{week:02d}"
