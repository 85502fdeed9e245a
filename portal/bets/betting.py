"""The managers' betting pool (SPEC §9): books opened and closed by the order's events,
bets placed, changed and withdrawn until check-in, and one settlement per order.

Bets never slow down or break the order flow: the orders context only publishes events,
and everything here runs in the bets consumers or in a manager's own request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

from sqlalchemy import bindparam, case, exists, func, select

from portal import clock, orders
from portal.bets.models import OUTCOMES, Bet, BetBook
from portal.db import db, locked, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.i18n import lazy_gettext as _l
from portal.money import Money
from portal.paging import paginate
from portal.people import User

# A stake is the manager's own money: a sane upper bound keeps typos out of the pool.
MAX_STAKE = Money.cu(10_000)


def _locked_book(order_id: int) -> BetBook | None:
    """The order's book, locked for the rest of the transaction (None if never opened)."""
    return locked(BetBook, BetBook.order_id == order_id)


def open_book(order_id: int, at: datetime) -> None:
    """``order.accepted``: the order takes bets from now on (a repeated event changes nothing)."""
    with transaction():
        if _locked_book(order_id) is None:
            db.session.add(BetBook(order_id=order_id, state="open", opened_at=at))
            db.session.flush()


def close_book(order_id: int, at: datetime) -> None:
    """``order.started``: the worker checked in, bets can no longer change."""
    with transaction():
        book = _locked_book(order_id)
        if book is not None and book.state == "open":
            book.state, book.closed_at = "closed", at


@dataclass(frozen=True)
class Settlement:
    order_id: int
    outcome: str
    pool: Money
    house: Money
    payouts: dict[int, Money]  # manager id -> share of the pool


def divide_pool(bets: Sequence[tuple[str, Money]], outcome: str) -> tuple[list[Money], Money]:
    """Each bet's payout, in order, and the house bank's part, when the order ended ``outcome``.

    The winners share the whole pool in proportion to their stakes (largest remainder, so
    the payouts add up to the pool exactly); losers get nothing; with no winner the house
    takes the pool.
    """
    pool = Money(sum(stake.cents for _, stake in bets))
    winners = [i for i, (backed, _) in enumerate(bets) if backed == outcome]
    if not winners:
        return [Money.zero()] * len(bets), pool
    shares = dict(zip(winners, pool.split([bets[i][1].cents for i in winners])))
    return [shares.get(i, Money.zero()) for i in range(len(bets))], Money.zero()


def settle_book(order_id: int, outcome: str, at: datetime) -> Settlement | None:
    """``order.finished``: the winners share the whole pool in proportion to their stakes.

    Largest remainder, so the shares add up to the pool exactly; if nobody backed the
    outcome the pool goes to the house bank. Once per order: the book is locked and a
    settled book is left alone, however often (or concurrently) the event arrives.
    Returns None when the book was already settled.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    with transaction():
        book = _locked_book(order_id)
        if book is None:
            # Finished without ever being accepted (or before its acceptance was handled):
            # a settled, empty book keeps a late order.accepted from opening it.
            book = BetBook(order_id=order_id, state="open", opened_at=at)
            db.session.add(book)
        elif book.state == "settled":
            return None
        bets = list(db.session.scalars(select(Bet).where(Bet.order_id == order_id).order_by(Bet.id)))
        payouts, house = divide_pool([(b.outcome, Money(b.stake_cents)) for b in bets], outcome)
        for b, payout in zip(bets, payouts):
            b.payout_cents = payout.cents
        book.state, book.outcome, book.settled_at = "settled", outcome, at
        book.closed_at = book.closed_at or at
        book.pool_cents = sum(b.stake_cents for b in bets)
        book.house_cents = house.cents
        db.session.flush()
    return Settlement(order_id, outcome, Money(book.pool_cents), Money(book.house_cents),
                      {b.manager_id: Money(b.payout_cents) for b in bets})


# --- the managers' bets ----------------------------------------------------------------------

def _open_for_bets(order_id: int, by: User) -> BetBook:
    """The locked book, if bets may still change: open, and the order not yet started.

    The order's own state is asked as well: the book closes when ``order.started`` is
    handled, and a bet must not slip in while that event is on its way.
    """
    if by is None or by.role != "manager" or not by.active:
        raise DomainError(_l("Only managers bet."))
    book = _locked_book(order_id)
    if book is None:
        raise Conflict(_l("This order takes no bets: it has no worker yet."))
    if book.state != "open" or orders.order_detail(order_id, by).order.state != "assigned":
        raise Conflict(_l("Bets on this order are closed: the worker has checked in or the order is over."))
    return book


def place_bet(order_id: int, by: User, outcome: str, stake: Money) -> Bet:
    """A manager stakes ``stake`` on ``outcome``, or changes their earlier bet on this order."""
    if outcome not in OUTCOMES:
        raise DomainError(_l("Choose an outcome."), field="outcome")
    if stake.cents <= 0:
        raise DomainError(_l("Stake more than nothing."), field="stake")
    if stake > MAX_STAKE:
        raise DomainError(_l("Stake at most %(max)s.", max=MAX_STAKE.format()), field="stake")
    with transaction():
        _open_for_bets(order_id, by)
        bet = db.session.scalar(select(Bet).where(Bet.order_id == order_id, Bet.manager_id == by.id))
        if bet is None:
            bet = Bet(order_id=order_id, manager_id=by.id)
            db.session.add(bet)
        bet.outcome, bet.stake_cents, bet.placed_at = outcome, stake.cents, clock.now()
        db.session.flush()
    return bet


def withdraw_bet(order_id: int, by: User) -> None:
    """A manager takes their bet back before the book closes."""
    with transaction():
        _open_for_bets(order_id, by)
        bet = db.session.scalar(select(Bet).where(Bet.order_id == order_id, Bet.manager_id == by.id))
        if bet is None:
            raise NotFound(_l("You have no bet on this order."))
        db.session.delete(bet)


# --- what the pages show ---------------------------------------------------------------------

@dataclass(frozen=True)
class OutcomeStakes:
    outcome: str
    stakes: Money
    bettors: int
    odds: Decimal | None  # the pool per 1 CU staked on this outcome; None if nobody backed it


@dataclass(frozen=True)
class BookView:
    order_id: int
    state: str  # "none" (never accepted), "open", "closed", "settled"
    pool: Money
    outcomes: list[OutcomeStakes]
    bets: list[Bet]
    outcome: str | None = None
    house: Money = Money.zero()

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def settled(self) -> bool:
        return self.state == "settled"

    def bet_of(self, manager_id: int) -> Bet | None:
        return next((b for b in self.bets if b.manager_id == manager_id), None)


def implied_odds(pool: Money, stakes: Money) -> Decimal | None:
    """What the pool pays per 1 CU on an outcome if it happened now (2 decimals)."""
    if not stakes:
        return None
    return (Decimal(pool.cents) / Decimal(stakes.cents)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def book_view(order_id: int) -> BookView:
    """An order's pool, the stakes and implied odds per outcome, every bet (two queries)."""
    book = db.session.get(BetBook, order_id)
    bets = list(db.session.scalars(select(Bet).where(Bet.order_id == order_id)
                                   .order_by(Bet.stake_cents.desc(), Bet.id)))
    pool = Money(sum(b.stake_cents for b in bets))
    per_outcome = []
    for outcome in OUTCOMES:
        backing = [b for b in bets if b.outcome == outcome]
        stakes = Money(sum(b.stake_cents for b in backing))
        per_outcome.append(OutcomeStakes(outcome, stakes, len(backing), implied_odds(pool, stakes)))
    if book is None:
        return BookView(order_id, "none", pool, per_outcome, bets)
    return BookView(order_id, book.state, pool, per_outcome, bets, book.outcome, Money(book.house_cents))


@dataclass(frozen=True)
class ManagerTotals:
    manager_id: int
    bets: int
    won: Money  # profit on winning bets (share of the pool minus the stake)
    lost: Money  # stakes of losing bets
    open_stakes: Money  # on books not settled yet

    @property
    def net(self) -> Money:
        return self.won - self.lost


# The bets page's statements are built once (the manager and the ids as parameters):
# building six statements and their cache keys on every view was a fifth of the page.
_settled = Bet.payout_cents.is_not(None)
_LEADERBOARD = select(
    Bet.manager_id, func.count(Bet.id),
    func.sum(case((Bet.payout_cents > Bet.stake_cents, Bet.payout_cents - Bet.stake_cents), else_=0)),
    func.sum(case((Bet.payout_cents < Bet.stake_cents, Bet.stake_cents - Bet.payout_cents), else_=0)),
    func.sum(case((_settled, 0), else_=Bet.stake_cents)),
).group_by(Bet.manager_id)
_HOUSE_BANK = select(func.coalesce(func.sum(BetBook.house_cents), 0))
_SETTLED_BOOKS = (select(BetBook).where(BetBook.state == "settled", exists().where(Bet.order_id == BetBook.order_id))
                  .order_by(BetBook.settled_at.desc(), BetBook.order_id.desc()))
_BETS_ON = (select(Bet).where(Bet.order_id.in_(bindparam("order_ids", expanding=True)))
            .order_by(Bet.payout_cents.desc(), Bet.id))
_OPEN_POOLS = (select(BetBook.order_id, func.coalesce(func.sum(Bet.stake_cents), 0), func.count(Bet.id))
               .outerjoin(Bet, Bet.order_id == BetBook.order_id)
               .where(BetBook.state == "open").group_by(BetBook.order_id))
_UNSETTLED_BETS_OF = (select(Bet, BetBook.state).join(BetBook, BetBook.order_id == Bet.order_id)
                      .where(Bet.manager_id == bindparam("manager"), BetBook.state != "settled"))


def leaderboard() -> list[ManagerTotals]:
    """Running totals per manager over every settled book, best net first (one query)."""
    totals = [ManagerTotals(m, n, Money(int(w or 0)), Money(int(lo or 0)), Money(int(p or 0)))
              for m, n, w, lo, p in db.session.execute(_LEADERBOARD)]
    return sorted(totals, key=lambda t: (-t.net.cents, t.manager_id))


def house_bank() -> Money:
    """Everything no winner took, over all settled books."""
    return Money(int(db.session.scalar(_HOUSE_BANK)))


def recent_settlements(page: int = 1, per_page: int = 20):
    """Settled books that had bets, newest first, each with its bets (per order: who gets how
    much); a book nobody bet on settles too, but there is nothing in it to show."""
    books = paginate(_SETTLED_BOOKS, page, per_page, params={})
    ids = [b.order_id for b in books.items]
    bets: dict[int, list[Bet]] = {i: [] for i in ids}
    if ids:
        for bet in db.session.scalars(_BETS_ON, {"order_ids": ids}):
            bets[bet.order_id].append(bet)
    return books, bets


@dataclass(frozen=True)
class OpenBook:
    """An order taking bets: accepted, its worker not checked in yet."""

    order: orders.Order  # with its service type
    pool: Money
    bets: int
    mine: Bet | None  # the viewing manager's bet on it

    @property
    def closes_at(self) -> datetime:
        """Bets close at the check-in, due at the order's start."""
        return self.order.starts_at


@dataclass(frozen=True)
class MyBet:
    """One of a manager's bets whose order has not ended yet."""

    bet: Bet
    order: orders.Order | None
    is_open: bool  # still changeable; otherwise closed and waiting for the outcome


@dataclass(frozen=True)
class OpenBetting:
    books: list[OpenBook]  # closing soonest first
    more: int  # open books past the page's cap
    mine: list[MyBet]  # the manager's unsettled bets, soonest order first


def open_betting(manager_id: int, limit: int = 100) -> OpenBetting:
    """The orders open for betting with their pools, and ``manager_id``'s bets not settled yet
    (three queries, whatever the number of books)."""
    pools = db.session.execute(_OPEN_POOLS).all()
    mine = db.session.execute(_UNSETTLED_BETS_OF, {"manager": manager_id}).all()
    known = orders.orders_by_id(sorted({row[0] for row in pools} | {bet.order_id for bet, _ in mine}))
    my_bet = {bet.order_id: bet for bet, _ in mine}

    def taking_bets(order_id: int, book_state: str) -> bool:
        # The book closes when order.started is handled; the order's own state is asked too,
        # as placing a bet does, so a book whose check-in is on its way is not offered.
        order = known.get(order_id)
        return book_state == "open" and order is not None and order.state == "assigned"

    books = sorted((OpenBook(known[order_id], Money(int(pool)), count, my_bet.get(order_id))
                    for order_id, pool, count in pools if taking_bets(order_id, "open")),
                   key=lambda b: (b.closes_at, b.order.id))
    far = datetime.max.replace(tzinfo=UTC)  # a bet whose order is unknown sorts last
    bets = sorted((MyBet(bet, known.get(bet.order_id), taking_bets(bet.order_id, state)) for bet, state in mine),
                  key=lambda m: (m.order.starts_at if m.order else far, m.bet.order_id))
    return OpenBetting(books[:limit], max(len(books) - limit, 0), bets)
