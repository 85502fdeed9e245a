"""What the worker's earnings page reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal import clock
from portal.db import db
from portal.money import Money
from portal.worker_billing.models import Line, Payout
from portal.worker_billing.months import PAYOUT_MONTHS


@dataclass
class Statement:
    lines: list[Line]          # not yet paid out, newest first; corrections count as earnings
    earned: Money
    bonuses: Money
    fines: Money
    carried_in: Money          # ≤ 0: the debt of the last month
    payouts: list[Payout]
    paid_out_at: datetime | None = None  # the month's cut-off (its last day, 20:00 business time)

    @property
    def preview(self) -> Money:
        """What the month-end payout would pay if the month ended now."""
        return max(self.earned + self.bonuses - self.fines + self.carried_in, Money.zero())


def statement(worker_id: int) -> Statement:
    lines = list(db.session.scalars(select(Line).where(Line.worker_id == worker_id, Line.payout_id.is_(None))
                                    .order_by(Line.booked_at.desc(), Line.id.desc())))
    payouts = list(db.session.scalars(select(Payout).where(Payout.worker_id == worker_id)
                                      .order_by(Payout.month_key.desc()).limit(24)))

    def of(*kinds):
        return Money(sum(abs(line.amount_cents) for line in lines if line.kind in kinds))

    carried = Money(payouts[0].carry_out_cents) if payouts else Money.zero()
    return Statement(lines, of("earning", "correction"), of("bonus"), of("fine"), carried, payouts,
                     paid_out_at=PAYOUT_MONTHS.next_due_after(clock.now()))


def recent_lines(worker_id: int, kinds: tuple[str, ...], limit: int = 10) -> list[Line]:
    """A worker's latest lines of these kinds (fines, bonuses), paid out or not, newest first."""
    return list(db.session.scalars(select(Line).where(Line.worker_id == worker_id, Line.kind.in_(kinds))
                                   .order_by(Line.booked_at.desc(), Line.id.desc()).limit(limit)))
