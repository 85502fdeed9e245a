"""Writing entries (the only way money moves) and reading balances from postings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, Subquery, func, select

from portal import clock
from portal.db import db, insert_new, transaction
from portal.ledger.models import Account, Entry, Posting
from portal.money import Money

# The house's own accounts. Clients' and workers' accounts are ``client:<id>``, ``worker:<id>``.
REVENUE = "revenue"            # list prices of charged orders (credit)
DISCOUNTS = "discounts"        # loyalty discounts given (debit)
BANK = "bank"                  # money in (payments) and out (payouts)
WORKER_COSTS = "worker_costs"  # workers' 60 % (debit)
FINES = "fines"                # fines taken from workers (credit)
BONUSES = "bonuses"            # managers' bonuses to workers (debit)
CORRECTIONS = "corrections"    # disputes decided for the client or the worker (debit)


def client_account(client_id: int) -> str:
    """Positive balance: what the client owes."""
    return f"client:{client_id}"


def worker_account(worker_id: int) -> str:
    """Negative balance: what the house owes the worker."""
    return f"worker:{worker_id}"


@dataclass(frozen=True)
class StatementLine:
    """A line of a client's or a worker's statement as its owner may dispute it: the ledger
    entry behind it (``key``), what it is, its signed amount as the statement shows it, whose it is."""

    key: str
    kind: str            # earning, fine, bonus, correction, payout, charge, credit
    amount: Money
    owner_id: int
    owner_role: str      # client or worker
    booked_at: datetime
    order_id: int | None = None


class Unbalanced(ValueError):
    """An entry whose postings do not sum to zero: a bug, never a user's mistake."""


@dataclass(frozen=True)
class Line:
    account: str
    amount: Money


@dataclass(frozen=True)
class NewEntry:
    """An entry to write: ``lines`` are (account code, amount) pairs that sum to zero."""

    key: str
    kind: str
    lines: list[tuple[str, Money]]
    memo: str = ""


def post(key: str, kind: str, lines: list[tuple[str, Money]], memo: str = "",
         at: datetime | None = None) -> int | None:
    """Write one entry of ``lines`` (account code, amount) in the current transaction.

    Refused unless the amounts sum to zero. ``key`` is unique: posting the same key again
    (a second delivery, a duplicated callback) writes nothing and returns None.
    """
    return post_many([NewEntry(key, kind, lines, memo)], at=at).get(key)


def post_many(entries: list[NewEntry], at: datetime | None = None) -> dict[str, int]:
    """``post`` for a batch (the weekly run's chunk of payments), in a constant number of
    statements whatever its size: the accounts, the entries, the postings. Returns the ids of
    the entries written, by key; a key written before is skipped, as ``post`` skips it."""
    checked = []
    for entry in entries:
        lines = [Line(code, amount) for code, amount in entry.lines if amount]
        if sum(line.amount.cents for line in lines) != 0:
            raise Unbalanced(f"entry {entry.key} does not sum to zero: {lines}")
        if lines:
            checked.append((entry, lines))
    if not checked:
        return {}
    booked_at = at or clock.now()
    with transaction():
        written = dict(insert_new(Entry.__table__, [dict(key=entry.key, kind=entry.kind, memo=entry.memo,
                                                         booked_at=booked_at) for entry, _ in checked],
                                  conflict=["key"], returning=["key", "id"]).all())
        if written:
            ids = _account_ids({line.account for entry, lines in checked if entry.key in written for line in lines})
            db.session.execute(Posting.__table__.insert(), [
                dict(entry_id=written[entry.key], account_id=ids[line.account], amount_cents=line.amount.cents)
                for entry, lines in checked if entry.key in written for line in lines
            ])
    return written


def _account_ids(codes: set[str]) -> dict[str, int]:
    """The accounts' ids, opening those that don't exist yet (one insert for all of them)."""
    existing = _existing(codes)
    missing = codes - set(existing)
    if not missing:
        return existing
    insert_new(Account.__table__, [dict(code=code, kind=code.split(":")[0]) for code in sorted(missing)],
               conflict=["code"])
    return _existing(codes)


def _existing(codes: set[str]) -> dict[str, int]:
    return dict(db.session.execute(select(Account.code, Account.id).where(Account.code.in_(codes))).all())


def balance(code: str, kind: str | None = None, before: datetime | None = None) -> Money:
    """The sum of the account's postings (of entries of ``kind``, booked before ``before``)."""
    return Money(int(db.session.scalar(balance_query(code, kind, before))))


def balance_query(code: str, kind: str | None = None, before: datetime | None = None) -> Select:
    """``balance`` as a statement of one value in cents, for a page that reads it with others."""
    query = (select(func.coalesce(func.sum(Posting.amount_cents), 0))
             .join(Account, Account.id == Posting.account_id).where(Account.code == code))
    if kind or before:
        query = query.join(Entry, Entry.id == Posting.entry_id)
    if kind:
        query = query.where(Entry.kind == kind)
    if before:
        query = query.where(Entry.booked_at < before)
    return query


def balances(codes: list[str]) -> dict[str, Money]:
    """Balances of several accounts in one query (unknown accounts are zero)."""
    rows = db.session.execute(
        select(Account.code, func.coalesce(func.sum(Posting.amount_cents), 0))
        .join(Posting, Posting.account_id == Account.id, isouter=True)
        .where(Account.code.in_(codes)).group_by(Account.code)
    ).all()
    found = {code: Money(int(cents)) for code, cents in rows}
    return {code: found.get(code, Money.zero()) for code in codes}


def unbalanced_entries(limit: int = 100) -> list[tuple[str, Money]]:
    """Entries whose postings do not sum to zero (there must be none)."""
    rows = db.session.execute(
        select(Entry.key, func.sum(Posting.amount_cents)).join(Posting, Posting.entry_id == Entry.id)
        .group_by(Entry.id, Entry.key).having(func.sum(Posting.amount_cents) != 0).limit(limit)
    ).all()
    return [(key, Money(int(cents))) for key, cents in rows]


def total_of_all_postings() -> Money:
    return Money(int(db.session.scalar(select(func.coalesce(func.sum(Posting.amount_cents), 0)))))


def debits_by_key(*kinds: str) -> Subquery:
    """The debits of each entry of these kinds, by key (``key``, ``cents``): what the
    conservation checks hold each business record's amount against."""
    return (select(Entry.key.label("key"), func.sum(Posting.amount_cents).label("cents"))
            .join(Posting, Posting.entry_id == Entry.id)
            .where(Entry.kind.in_(kinds), Posting.amount_cents > 0)
            .group_by(Entry.key).subquery())


def entry_amounts(keys: list[str], account: str | None = None) -> dict[str, Money]:
    """For each entry key: the amount posted to ``account`` (by default the debits)."""
    query = (select(Entry.key, func.sum(Posting.amount_cents)).join(Posting, Posting.entry_id == Entry.id)
             .where(Entry.key.in_(keys)).group_by(Entry.key))
    if account:
        query = query.join(Account, Account.id == Posting.account_id).where(Account.code == account)
    else:
        query = query.where(Posting.amount_cents > 0)
    return {key: Money(int(cents)) for key, cents in db.session.execute(query).all()}
