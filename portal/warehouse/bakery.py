"""The bakery: an external contractor that bakes a fortune cookie for each kit (SPEC WH-2).

``Bakery`` is the whole interface the warehouse needs. ``SandboxBakery`` is the built-in
contractor, which behaves like a real one: it answers with an expected arrival about ten
minutes later, is sometimes slow, sometimes fails, and never bakes twice for the same
idempotency key (it keeps its own record of keys, as a real contractor's system would).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from sqlalchemy import Integer, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal import clock
from portal.db import UTCDateTime, db

DELIVERY_MINUTES = 10


class BakeryUnavailable(Exception):
    """The bakery did not take the order (down, timed out, refused): try again later."""


@dataclass(frozen=True)
class CookieFor:
    """The client's details the bakery writes the fortune for and labels the cookie with."""

    name: str
    address: str
    language: str


class Bakery(Protocol):
    def order_cookie(self, idempotency_key: str, client: CookieFor) -> datetime:
        """Order one cookie; returns when it will reach the warehouse. Raises BakeryUnavailable."""


class SandboxBakeryOrder(db.Model):
    """The sandbox contractor's own books (not the warehouse's): one row per idempotency key."""

    __tablename__ = "sandbox_bakery_orders"

    idempotency_key: Mapped[str] = mapped_column(String(60), primary_key=True)
    client_name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    calls: Mapped[int] = mapped_column(Integer, default=0)  # how often it was asked for this cookie
    created_at = mapped_column(UTCDateTime, nullable=False)
    expected_at = mapped_column(UTCDateTime, nullable=False)


class SandboxBakery:
    """A pretend contractor with a real one's manners.

    ``latency`` is the most seconds an answer takes (each call waits a random part of it);
    ``failure_rate`` the share of calls refused before baking; ``lost_answer_rate`` the share
    of calls that bake but whose answer never arrives (a timeout), so only the idempotency
    key keeps the retry from baking a second cookie. Rates of 0 or 1 make tests deterministic.
    """

    def __init__(self, latency: float = 0.0, failure_rate: float = 0.0, lost_answer_rate: float = 0.0,
                 rng: random.Random | None = None):
        self.latency, self.failure_rate, self.lost_answer_rate = latency, failure_rate, lost_answer_rate
        self.rng = rng or random.Random()

    def order_cookie(self, idempotency_key: str, client: CookieFor) -> datetime:
        if self.latency:
            # A slow contractor (a network wait, not a clock reading).
            time.sleep(self.rng.uniform(0, self.latency))
        if self.rng.random() < self.failure_rate:
            raise BakeryUnavailable("sandbox bakery: 503 Service Unavailable")
        expected_at = self._bake_once(idempotency_key, client)
        if self.rng.random() < self.lost_answer_rate:
            raise BakeryUnavailable("sandbox bakery: timed out waiting for the answer")
        return expected_at

    def _bake_once(self, key: str, client: CookieFor) -> datetime:
        """Bake for a new key; for a known key, answer what was answered the first time.

        The contractor's books are its own: a session and transaction apart from the portal's.
        """
        with Session(db.engine) as books:
            known = books.get(SandboxBakeryOrder, key)
            if known is None:
                now = clock.now()
                books.add(SandboxBakeryOrder(idempotency_key=key, client_name=client.name,
                                             address=client.address, created_at=now,
                                             expected_at=now + timedelta(minutes=DELIVERY_MINUTES)))
                try:
                    books.commit()
                except IntegrityError:  # the same key at the same moment: the other call baked it
                    books.rollback()
            this_key = SandboxBakeryOrder.idempotency_key == key
            # Counted in the database (calls + 1): racing calls each count, on both databases.
            books.execute(update(SandboxBakeryOrder).where(this_key).values(calls=SandboxBakeryOrder.calls + 1))
            expected_at = books.scalar(select(SandboxBakeryOrder.expected_at).where(this_key))
            books.commit()
            return expected_at


def configured_bakery() -> Bakery:
    """The bakery this deployment talks to (only the sandbox exists so far)."""
    config = current_app.config
    return SandboxBakery(latency=config["BAKERY_LATENCY_SECONDS"], failure_rate=config["BAKERY_FAILURE_RATE"],
                         lost_answer_rate=config["BAKERY_LOST_ANSWER_RATE"])
