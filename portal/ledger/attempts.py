"""One try at moving money through a provider: the part payments and payouts share.

The owner (an invoice, a payout) is locked by the caller, which has ``id``, ``tries``,
``amount_cents`` and ``next_try_at``; its attempts table has ``key``, ``amount_cents``,
``state``, ``reference``, ``reason``, ``created_at`` and ``finished_at``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.db import db
from portal.ledger.providers import Outcome

# A try whose outcome is still unknown (no answer yet) is looked at again this soon.
UNKNOWN_RETRY_AFTER = timedelta(minutes=10)


# ``begin_try``'s caller has not looked for the owner's pending attempt.
_ASK = object()


def begin_try(owner, attempt_model, owner_column, key_prefix: str, pending=_ASK):
    """The owner's pending attempt (its answer was lost: ask again with the same key), or a
    new one whose key (``<prefix>:<id>:try:<n>``) is saved with the caller's commit, before
    the provider is called. ``pending``: that attempt (or None) when the caller read it
    already, for a batch of owners in one query."""
    attempt = pending if pending is not _ASK else db.session.scalar(
        select(attempt_model).where(owner_column == owner.id, attempt_model.state == "pending"))
    if attempt is None:
        owner.tries += 1
        attempt = attempt_model(key=f"{key_prefix}:{owner.id}:try:{owner.tries}", amount_cents=owner.amount_cents,
                                state="pending", created_at=clock.now(), **{owner_column.key: owner.id})
        db.session.add(attempt)
    owner.next_try_at = clock.now() + UNKNOWN_RETRY_AFTER  # until an answer comes
    return attempt


def end_try(attempt, outcome: Outcome) -> None:
    """Record the provider's answer on the attempt (the caller holds its row lock)."""
    attempt.state, attempt.reference = outcome.status, outcome.reference or None
    attempt.reason, attempt.finished_at = outcome.reason or None, clock.now()
