"""Earnings, fines and bonuses (BI-4, BI-5) and the monthly payouts (BI-6, BI-7)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, literal, select, union_all, update

from portal import clock, ledger, notifications, people
from portal.db import add_once, db, insert_once, insert_select_once, locked, transaction
from portal.errors import DomainError, Forbidden, NotFound
from portal.i18n import lazy_gettext as _l
from portal.ledger import SUCCEEDED, Outcome
from portal.money import Money
from portal.urls import external_url
from portal.worker_billing.models import Line, Payout, PayoutAttempt

EARNING_PERCENT = 60
FINE = Money.cu(40)
MAX_BONUS = Money.cu(10_000)  # a typing slip, not a bonus, past this
MAX_TRIES = 3
RETRY_AFTER = timedelta(days=1)
FIRST_TRY_GRACE = timedelta(minutes=10)  # as for invoices: the run pays at once

_provider: ledger.Provider = ledger.Sandbox("golden_hat")


def provider() -> ledger.Provider:
    return _provider


def record_order(payload: dict) -> int | None:
    """``order.finished``: completed → 60 % of the list price earned; failed → a 40 CU fine;
    cancelled → nothing. Once per order (unique), however often the event comes: the new
    line's id, or None."""
    outcome, worker_id, order_id = payload["outcome"], payload.get("worker_id"), payload["order_id"]
    if worker_id is None or outcome not in ("completed", "failed"):
        return None
    if outcome == "completed":
        kind, amount = "earning", Money(payload["price_cents"]).percent(EARNING_PERCENT)
        lines = [(ledger.WORKER_COSTS, amount), (ledger.worker_account(worker_id), -amount)]
    else:
        kind, amount = "fine", -FINE
        lines = [(ledger.worker_account(worker_id), FINE), (ledger.FINES, -FINE)]
    with transaction():
        line_id = insert_once(Line.__table__, ["order_id"], worker_id=worker_id, kind=kind,
                                     amount_cents=amount.cents, order_id=order_id, reason="",
                                     booked_at=clock.now())
        if line_id is None:
            return None
        ledger.post(f"{kind}:order:{order_id}", kind, lines, memo=f"order {order_id}")
    return line_id


def give_bonus(worker_id: int, amount: Money, reason: str, by, submission_key: str | None = None) -> Line:
    """A manager credits a worker (BI-5); who and why are kept and shown. The same form sent
    again (``submission_key``) gives nothing more and returns the bonus it gave."""
    reason = (reason or "").strip()
    if amount.cents <= 0:
        raise DomainError(_l("A bonus is more than zero."), field="amount")
    if amount > MAX_BONUS:
        raise DomainError(_l("A bonus is at most %(max)s.", max=MAX_BONUS.format()), field="amount")
    if not reason:
        raise DomainError(_l("Say why the bonus is given."), field="reason")
    # The operation's own rule, not only the route's gate: whoever calls it, only an active
    # manager (as the database knows them now) gives money away.
    giver = db.session.get(people.User, by.id) if by is not None else None
    if giver is None or giver.role != "manager" or not giver.active:
        raise Forbidden(_l("Only managers give bonuses."))
    worker = db.session.get(people.User, worker_id)
    if worker is None or worker.role != "worker":
        raise NotFound(_l("There is no such worker."))
    with transaction():
        line = Line(worker_id=worker_id, kind="bonus", amount_cents=amount.cents, reason=reason,
                    given_by_id=by.id, given_by_name=by.name, booked_at=clock.now(), submission_key=submission_key)
        if submission_key:
            line, added = add_once(line, Line, Line.submission_key == submission_key)
            if not added:
                return line
        db.session.add(line)
        db.session.flush()
        ledger.post(f"bonus:{line.id}", "bonus", [
            (ledger.BONUSES, amount), (ledger.worker_account(worker_id), -amount)], memo=reason)
    return line


def line_key(line: Line) -> str:
    """The ledger entry a line was posted as (see ``record_order``, ``give_bonus``, ``credit_worker``)."""
    return f"{line.kind}:order:{line.order_id}" if line.order_id is not None else f"{line.kind}:{line.id}"


def payout_key(payout_id: int) -> str:
    """The ledger entry a paid payout was posted as."""
    return f"payout:{payout_id}"


def statement_line(worker_id: int, line_id: int) -> ledger.StatementLine:
    """The worker's own earning, fine, bonus or correction, to dispute; another's is not found."""
    line = db.session.get(Line, line_id)
    if line is None or line.worker_id != worker_id:
        raise NotFound(_l("There is no such line on your statement."))
    return ledger.StatementLine(line_key(line), line.kind, Money(line.amount_cents), worker_id, "worker",
                                line.booked_at, line.order_id)


def statement_payout(worker_id: int, payout_id: int) -> ledger.StatementLine:
    """The worker's own paid payout, to dispute (one not paid yet has nothing in the ledger)."""
    payout = db.session.get(Payout, payout_id)
    if payout is None or payout.worker_id != worker_id or payout.state != "paid":
        raise NotFound(_l("There is no such payout on your statement."))
    return ledger.StatementLine(payout_key(payout.id), "payout", Money(payout.amount_cents), worker_id, "worker",
                                payout.paid_at)


def credit_worker(worker_id: int, amount: Money, reason: str, by) -> Line:
    """A dispute decided for the worker: a correction line that this month's payout adds to the
    earnings (the disputed line and its posting stay as they were). The caller holds the lock
    that makes it happen once (the dispute's case)."""
    with transaction():
        line = Line(worker_id=worker_id, kind="correction", amount_cents=amount.cents, reason=reason,
                    given_by_id=by.id, given_by_name=by.name, booked_at=clock.now())
        db.session.add(line)
        db.session.flush()
        ledger.post(line_key(line), "correction", [
            (ledger.CORRECTIONS, amount), (ledger.worker_account(worker_id), -amount)], memo=reason)
    return line


def create_payouts(month_key: str, previous_key: str, cutoff: datetime) -> list[int]:
    """One payout per worker with lines not yet paid out before ``cutoff`` or a debt carried
    from ``previous_key``: earnings + bonuses − fines + debt. Set-based like the invoices:
    INSERT … SELECT, attach the lines, total from what is attached. Unique per worker and
    month, so a repeated or concurrent run writes nothing. Returns this call's payouts."""
    batch, now = secrets.token_hex(16), clock.now()
    pending = and_(Line.payout_id.is_(None), Line.booked_at < cutoff)
    zero = literal(0)
    sources = union_all(
        select(Line.worker_id.label("worker_id"), zero.label("carried")).where(pending),
        select(Payout.worker_id, Payout.carry_out_cents)
        .where(Payout.month_key == previous_key, Payout.carry_out_cents < 0),
    ).subquery()
    with transaction():
        insert_select_once(
            Payout.__table__,
            ["worker_id", "month_key", "carried_in_cents", "earned_cents", "bonuses_cents", "fines_cents",
             "amount_cents", "carry_out_cents", "state", "tries", "created_at", "next_try_at", "batch"],
            select(sources.c.worker_id, literal(month_key), func.sum(sources.c.carried), zero, zero, zero,
                   zero, zero, literal("pending"), zero, literal(now, Payout.created_at.type),
                   literal(now + FIRST_TRY_GRACE, Payout.created_at.type),
                   literal(batch))
            .where(literal(True)).group_by(sources.c.worker_id),
            conflict=["worker_id", "month_key"],
        )
        own = (select(Payout.id).where(Payout.worker_id == Line.worker_id, Payout.month_key == month_key,
                                       Payout.batch == batch).scalar_subquery())
        db.session.execute(update(Line).where(pending, exists(own)).values(payout_id=own)
                           .execution_options(synchronize_session=False))

        def of_kind(*kinds):
            return (select(func.coalesce(func.sum(func.abs(Line.amount_cents)), 0))
                    .where(Line.payout_id == Payout.id, Line.kind.in_(kinds)).scalar_subquery())

        db.session.execute(update(Payout).where(Payout.batch == batch).values(
            earned_cents=of_kind("earning", "correction"), bonuses_cents=of_kind("bonus"), fines_cents=of_kind("fine"),
        ).execution_options(synchronize_session=False))
        net = Payout.earned_cents + Payout.bonuses_cents - Payout.fines_cents + Payout.carried_in_cents
        db.session.execute(update(Payout).where(Payout.batch == batch).values(
            amount_cents=case((net > 0, net), else_=0), carry_out_cents=case((net < 0, net), else_=0),
            state=case((net > 0, "pending"), else_="nothing"),
        ).execution_options(synchronize_session=False))
        return list(db.session.scalars(select(Payout.id).where(Payout.batch == batch).order_by(Payout.id)))


def pay_payout(payout_id: int, first_try_only: bool = False) -> Payout:
    """Send a pending payout to the golden hat, its key committed before the call.
    ``first_try_only``: leave a payout already tried to the retries (the monthly run)."""
    with transaction():
        payout = locked(Payout, Payout.id == payout_id)
        if payout is None or payout.state != "pending" or (first_try_only and payout.tries):
            return payout
        attempt = ledger.begin_try(payout, PayoutAttempt, PayoutAttempt.payout_id, "payout")
        key, token, amount = attempt.key, f"hat_ok_{payout.worker_id}", Money(attempt.amount_cents)
    outcome = ledger.call_once(provider(), key, token, amount)
    if outcome is not None:
        record_payout_outcome(key, outcome)
    return db.session.get(Payout, payout_id)


def record_payout_outcome(key: str, outcome: Outcome) -> None:
    """The golden hat's answer for ``key``; a second answer changes nothing."""
    with transaction():
        # The payout first, as paying locks it: two operations never wait on each other.
        payout_id = db.session.scalar(select(PayoutAttempt.payout_id).where(PayoutAttempt.key == key))
        payout = locked(Payout, Payout.id == payout_id) if payout_id is not None else None
        attempt = locked(PayoutAttempt, PayoutAttempt.key == key)
        if payout is None or attempt is None or attempt.state != "pending":
            return
        ledger.end_try(attempt, outcome)
        if outcome.status == SUCCEEDED:
            amount = Money(attempt.amount_cents)
            payout.state, payout.paid_at, payout.next_try_at = "paid", clock.now(), None
            ledger.post(payout_key(payout.id), "payout", [
                (ledger.worker_account(payout.worker_id), amount), (ledger.BANK, -amount),
            ], memo=f"payout {payout.month_key}")
            _email(payout)
        else:  # retried on the next days; it stays pending (and visible) until paid
            payout.next_try_at = clock.now() + RETRY_AFTER


def pay_new_payout(payout_id: int) -> None:
    """The monthly run's step: pay a new payout, once (a run taken over, or a step done again,
    finds it tried and leaves it to the retries)."""
    pay_payout(payout_id, first_try_only=True)


def month_payouts(month_key: str) -> list[int]:
    """The ids of every payout of the month, in the order they were created."""
    return list(db.session.scalars(select(Payout.id).where(Payout.month_key == month_key).order_by(Payout.id)))


def oldest_unpaid_line_at() -> datetime | None:
    """When the oldest earning, fine or bonus not yet on a payout was booked: a first monthly
    run pays out from that month on, so no month is skipped (BI-7)."""
    return db.session.scalar(select(func.min(Line.booked_at)).where(Line.payout_id.is_(None)))


def retries_due(limit: int = 500) -> list[int]:
    return list(db.session.scalars(
        select(Payout.id).where(Payout.state == "pending", Payout.next_try_at <= clock.now())
        .order_by(Payout.next_try_at).limit(limit)))


def _email(payout: Payout) -> None:
    """Only paid payouts are emailed (BI-6)."""
    worker = people.get_user(payout.worker_id)
    if worker.email:
        notifications.queue_email(worker.email, "payout_paid", worker.language, time_zone=worker.time_zone, name=worker.name,
                                  payout=payout, link=external_url("workers.earnings"))
