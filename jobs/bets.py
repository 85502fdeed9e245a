"""Bets consumers: the order's events open, close and settle its betting book.

Each runs in its own transaction with its (event, consumer) record: a failure here is
retried by Dramatiq and never touches the order that published the event.
"""

from __future__ import annotations

from datetime import datetime

from jobs.events import consumer
from portal import bets


@consumer("order.accepted")
def open_book(payload: dict, event_id: str) -> None:
    """A worker accepted the order: managers may bet on it until check-in."""
    bets.open_book(payload["order_id"], datetime.fromisoformat(payload["assigned_at"]))


@consumer("order.started")
def close_book(payload: dict, event_id: str) -> None:
    """The worker checked in: the bets are final."""
    bets.close_book(payload["order_id"], datetime.fromisoformat(payload["checked_in_at"]))


@consumer("order.finished")
def settle_book(payload: dict, event_id: str) -> None:
    """The order ended: split the pool among the winners, once."""
    bets.settle_book(payload["order_id"], payload["outcome"], datetime.fromisoformat(payload["finished_at"]))
