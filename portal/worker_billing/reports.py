"""The managers' worker-side reports (BI-9): payouts, earnings, fines and bonuses by month,
and every bonus with who gave it and why. One query each, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, func, select

from portal import people
from portal.db import db
from portal.money import Money
from portal.worker_billing.models import Line, Payout


@dataclass(frozen=True)
class MonthPayouts:
    month_key: str
    payouts: int
    earned: Money
    bonuses: Money
    fines: Money
    amount: Money       # to pay: earnings + bonuses − fines + debts carried in, never below zero
    paid: Money
    carried: Money      # ≤ 0: debts carried into the next month

    @property
    def outstanding(self) -> Money:
        return self.amount - self.paid


# The reports' statements are built once, their period as parameters: building each and its
# cache key again was most of a report's time on the managers' billing page.
_paid = case((Payout.state == "paid", Payout.amount_cents), else_=0)
_PAYOUTS = (select(Payout.month_key, func.count(), func.sum(Payout.earned_cents), func.sum(Payout.bonuses_cents),
                   func.sum(Payout.fines_cents), func.sum(Payout.amount_cents), func.sum(_paid),
                   func.sum(Payout.carry_out_cents))
            .where(Payout.month_key >= bindparam("first_month"), Payout.month_key <= bindparam("last_month"))
            .group_by(Payout.month_key).order_by(Payout.month_key))


def payouts_by_month(first_month: str, last_month: str) -> list[MonthPayouts]:
    """Months from ``first_month`` to ``last_month`` (keys like ``2026-11``), oldest first."""
    rows = db.session.execute(_PAYOUTS, {"first_month": first_month, "last_month": last_month}).all()
    return [MonthPayouts(month, count, *(Money(int(c)) for c in sums)) for month, count, *sums in rows]


@dataclass(frozen=True)
class Bonus:
    id: int
    worker_id: int
    worker_name: str
    amount: Money
    reason: str
    given_by: str | None
    booked_at: datetime


_BONUSES = (select(Line.id, Line.worker_id, people.User.name, Line.amount_cents, Line.reason, Line.given_by_name,
                   Line.booked_at)
            .join(people.User, people.User.id == Line.worker_id)
            .where(Line.kind == "bonus", Line.booked_at >= bindparam("since", type_=Line.booked_at.type),
                   Line.booked_at < bindparam("until", type_=Line.booked_at.type))
            .order_by(Line.booked_at.desc(), Line.id.desc()).limit(bindparam("limit")))


def bonuses(since: datetime, until: datetime, limit: int = 500) -> list[Bonus]:
    """Bonuses booked in [since, until), newest first, with the worker, who gave it and why."""
    rows = db.session.execute(_BONUSES, {"since": since, "until": until, "limit": limit}).all()
    return [Bonus(r.id, r.worker_id, r.name, Money(r.amount_cents), r.reason, r.given_by_name, r.booked_at)
            for r in rows]
