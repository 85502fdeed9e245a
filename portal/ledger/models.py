"""Ledger tables: accounts, journal entries and their postings (integer hundredths)."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, db


class Account(db.Model):
    """``client:42``, ``worker:7``, ``revenue``, ``bank``, …: one per party or purpose."""

    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # client, worker or the account's own code


class Entry(db.Model):
    """One movement of money; its postings sum to zero. ``key`` makes a repeat do nothing."""

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # e.g. "charge:order:42"
    kind: Mapped[str] = mapped_column(String(20))  # charge, payment, earning, fine, bonus, payout
    memo: Mapped[str] = mapped_column(Text, default="")
    booked_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_ledger_entries_kind_booked_at", "kind", "booked_at"),)


class Posting(db.Model):
    """An amount on one account within an entry: positive debits, negative credits.

    Never updated or deleted (a correction is a new entry); the database refuses both on
    PostgreSQL and refuses updates on SQLite (migration 0006).
    """

    __tablename__ = "ledger_postings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_ledger_postings_entry", "entry_id"),
        Index("ix_ledger_postings_account", "account_id", "entry_id"),
    )


class SandboxTransfer(db.Model):
    """The sandbox providers' own books (what a real provider keeps on its side): one row per
    idempotency key they executed, so a repeated key answers the first result."""

    __tablename__ = "sandbox_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))  # payments, golden_hat
    key: Mapped[str] = mapped_column(String(120))
    token: Mapped[str] = mapped_column(String(80))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # succeeded, declined
    reference: Mapped[str] = mapped_column(String(40))
    created_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("provider", "key"),)
