"""Demo data for ``make run`` (loaded once, on an empty database) and the demo clock's jumps.

Both walk through time: the clock stops at each step, a real operation runs (a booking, a
check-in, a weekly invoicing run), and the events it published are handed to their consumers
at once. So a charge is made when its order finished, invoices and payouts are issued at their
cut-offs, books settle and quality cases open when orders end — the ledger, invoices, payouts,
bets and cases agree with the orders as if the weeks had really passed.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select

from portal import bets, client_billing, clock, people, quality
from portal.applicants.demo import load_applicants
from portal.client_billing import billing_week
from portal.db import db
from portal.errors import Conflict, DomainError
from portal.i18n import lazy_gettext as _l
from portal.money import Money
from portal.orders import demo as orders_demo
from portal.people import User
from portal.people.demo import load_people
from portal.warehouse import demo as warehouse_demo

log = logging.getLogger(__name__)


# What the jobs side lends the walk (``jobs.init_app`` sets it; portal never imports jobs):
# hand pending events to their consumers now; the keyed runs due in a span; run one now.
# Without jobs the walk delivers and runs nothing.
def _deliver() -> int:
    return 0


def _due_between(since: datetime, until: datetime) -> list[tuple[datetime, str, str]]:
    return []


def _run_now(job: str, period: str) -> bool:
    return False


SAMPLING_PERCENT = 20  # quality control samples completed orders, so the queue shows that too
STORY_WEEKS = 5  # over a month: last month's payout has earnings whatever today's date
CARDS = {"client@mcf.test": "4242424242424242", "client.ru@mcf.test": "4242424242424242",
         "felix@mcf.test": "5555555555554444", "luna@mcf.test": "4242424242424242"}
# Luna's card (or, in a week she owes nothing, another client's) is declined from the last
# weekly run on: one invoice unpaid, being retried.
DECLINING_CARD = ("luna@mcf.test", "4000000000000002")
# The quality result form offers these; without them no case could be closed.
USUAL_CAUSES = ["Worker arrived late", "Kit was incomplete", "Client was not at home",
                "Task was misunderstood", "Something was damaged", "Worker fell ill"]


def use_jobs(*, deliver: Callable[[], int], due_between, run_now) -> None:
    """Called by ``jobs.init_app``: how the walk reaches the consumers and the schedule."""
    global _deliver, _due_between, _run_now
    _deliver, _due_between, _run_now = deliver, due_between, run_now


class Walk:
    """Steps in time order; a step may plan later ones (a booking plans its check-in)."""

    def __init__(self) -> None:
        self._steps: list = []
        self._seq = itertools.count()
        self.now: datetime | None = None

    def at(self, moment: datetime, action: Callable[[], object]) -> None:
        heapq.heappush(self._steps, (moment, next(self._seq), action))

    def run(self, since: datetime, until: datetime) -> None:
        """Every step up to ``until``, each with the clock stopped at its moment (never
        going back), then the events it published handled; scheduled runs come along."""
        for due_at, job, period in _due_between(since, until):
            self.at(due_at, lambda job=job, period=period: _run_now(job, period))
        self.now = since
        while self._steps and self._steps[0][0] <= until:
            moment, _, action = heapq.heappop(self._steps)
            self.now = max(moment, self.now)
            clock.freeze(self.now)
            try:
                action()
            except DomainError as exc:  # the story goes on: a real portal would refuse it too
                log.info("demo step at %s refused: %s", self.now, exc.message)
            _deliver()


# --- the clock's jumps -----------------------------------------------------------------------

@dataclass(frozen=True)
class Jump:
    """What moving the clock to ``to`` will do (the confirmation) or did."""

    to: datetime
    orders: int
    weekly_invoices: bool
    monthly_payouts: bool


def preview_jump(to: datetime) -> Jump:
    """Said before the clock moves: how many orders play out and which runs happen."""
    now = clock.now()
    jobs = {job for _, job, _ in _due_between(now, to)}
    return Jump(to, orders_demo.count_to_play_out(until=to), weekly_invoices="billing.weekly_invoices" in jobs,
                monthly_payouts="billing.monthly_payouts" in jobs)


# One jump at a time: a second click while the first walks would start from a stopped clock
# halfway through. The demo runs in one process, so a process lock is enough.
_moving = threading.Lock()


def jump_to(to: datetime) -> Jump:
    """Move the portal's clock forward to ``to`` (demo only). The orders whose time falls in
    the skipped span play out on the way, done by their workers; the runs due meanwhile run at
    their moments; and everyone stays signed in."""
    if not _moving.acquire(blocking=False):
        raise Conflict(_l("The portal's clock is moving already; reload the page in a moment."))
    try:
        start = clock.now()
        if to <= start:
            raise DomainError(_l("The demo clock only moves forward."))
        done = preview_jump(to)
        people.carry_sessions_over(to - start)
        walk = Walk()
        with clock.walking():
            orders_demo.play_out(walk, until=to, hand_over=_hand_over, bet=_betting(_managers()))
            walk.run(start, to)
        clock.move_to(to)
        return done
    finally:
        _moving.release()


def _hand_over(order) -> None:
    staff = db.session.scalar(select(User).where(User.role == "warehouse", User.active.is_(True)).order_by(User.id))
    if staff is not None:
        warehouse_demo.hand_over(order.id, staff)


def _betting(managers: list[User]) -> Callable[[int, int], None]:
    """The managers' usual flutter on an order: one backs the worker, the other (every
    other order) doubts them; ``i`` varies the stakes."""
    def bet(order_id: int, i: int) -> None:
        if managers:
            bets.place_bet(order_id, managers[0], "completed", Money.cu(10 + i % 4 * 5))
        if len(managers) > 1 and i % 2 == 0:
            bets.place_bet(order_id, managers[1], ("failed", "cancelled")[i % 4 // 2], Money.cu(5 + i % 3 * 5))
    return bet


def _managers() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "manager", User.active.is_(True))
                                   .order_by(User.id).limit(2)))


# --- first start -------------------------------------------------------------------------------

def is_loaded() -> bool:
    return (db.session.scalar(select(func.count(User.id))) or 0) > 0


def load() -> None:
    """Every context's demo rows, as ``STORY_WEEKS`` weeks of business up to now."""
    people_by_email = load_people()
    staff = people_by_email[warehouse_demo.STAFF]
    managers = [people_by_email["manager@mcf.test"], people_by_email["manager.ru@mcf.test"]]
    now = clock.now().replace(second=0, microsecond=0)
    start = now - timedelta(weeks=STORY_WEEKS)
    walk = Walk()
    with clock.walking():
        clock.freeze(start)
        for email, number in CARDS.items():
            client_billing.save_card(people_by_email[email].id, number)
        for name in USUAL_CAUSES:
            quality.add_cause(name, managers[0])
        quality.set_sampling_percent(SAMPLING_PERCENT, managers[0])
        last_cutoff = _last_weekly_cutoff(now)
        walk.at(last_cutoff - timedelta(hours=1), lambda: _card_declines_from_now(
            billing_week(last_cutoff - timedelta(hours=1)), people_by_email[DECLINING_CARD[0]]))
        orders_demo.load_orders(walk, people_by_email, since=start, until=now,
                                hand_over=lambda order: warehouse_demo.hand_over(order.id, staff),
                                bet=_betting(managers))
        walk.run(start, now)
        clock.freeze(now)
        _close_older_cases(managers, before=now - timedelta(days=7))
        quality.sample_completed_orders()
        _deliver()
        warehouse_demo.load_kits(people_by_email)
        load_applicants(people_by_email)


def _card_declines_from_now(week: str, preferred: User) -> None:
    """Someone who owes for ``week`` gets a card that is declined (Luna when she does)."""
    owing = set(db.session.scalars(select(client_billing.Charge.client_id)
                                   .where(client_billing.Charge.week_key == week)))
    if owing:
        client_billing.save_card(preferred.id if preferred.id in owing else min(owing), DECLINING_CARD[1])


def _last_weekly_cutoff(now: datetime) -> datetime:
    """The latest Sunday cut-off (in the portal's zone) at or before ``now``."""
    return client_billing.week_cutoff(client_billing.BILLING_WEEKS.latest_due(now))


def _close_older_cases(managers: list[User], before: datetime) -> None:
    """Managers have worked through the older quality cases; the last week's stay open."""
    causes = quality.list_causes(active_only=True)
    queue = quality.case_queue(quality.QueueFilters(state="open"), managers[0].id, per_page=500)
    older = [case.id for case in queue.items if case.opened_at < before]
    for i, case_id in enumerate(older):
        quality.close_case(case_id, managers[i % len(managers)], client_contacted=True,
                           findings="Talked to the client and the worker; the account matches the photos.",
                           cause_id=causes[i % len(causes)].id, hypothesis="A reminder the day before would help.",
                           worker_at_fault=i % 3 == 0)


__all__ = ["Jump", "Walk", "is_loaded", "jump_to", "load", "preview_jump", "use_jobs"]
