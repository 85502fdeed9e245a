"""Payment and payout providers: one small interface, and the built-in sandbox behind it.

Every call carries an idempotency key that the caller saved (and committed) before the
call. A provider executes a key at most once: calling again with the same key answers the
first result. A call that times out or answers 5xx has an *unknown* outcome — the money
may have moved — so the caller asks ``lookup(key)`` before trying anything new.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.db import db
from portal.ledger.models import SandboxTransfer
from portal.money import Money

SUCCEEDED, DECLINED, ERROR = "succeeded", "declined", "error"


@dataclass(frozen=True)
class Outcome:
    """What the provider answered: ``succeeded`` (with its reference), ``declined`` (final for
    this try) or ``error`` (a processing error: nothing moved, try again later)."""

    status: str
    reference: str = ""
    reason: str = ""


class OutcomeUnknown(Exception):
    """A timeout or a 5xx: the call may or may not have executed."""


class Provider(Protocol):
    def execute(self, key: str, token: str, amount: Money) -> Outcome: ...
    def lookup(self, key: str) -> Outcome | None: ...


# Behaviours of the sandbox, chosen by the account token (a test card, a worker's hat).
OK, DECLINE, PROCESSING_ERROR, TIMEOUT_AFTER, ERROR_500_AFTER, TIMEOUT_BEFORE = (
    "ok", "decline", "processing_error", "timeout_after", "500_after", "timeout_before")

_scripted: list[str] = []
_script_lock = threading.Lock()


def script_next_calls(*behaviours: str) -> None:
    """Tests and the demo: the next sandbox calls behave like this, whatever the token."""
    with _script_lock:
        _scripted[:] = list(behaviours)


def _next_scripted() -> str | None:
    with _script_lock:
        return _scripted.pop(0) if _scripted else None


class Sandbox:
    """Behaves like a real provider: latency, occasional timeouts, test tokens that succeed,
    are declined or fail with a processing error. It keeps its own books (``sandbox_transfers``,
    written on its own connection as a remote side would), so a key executes once."""

    def __init__(self, name: str):
        self.name = name

    def execute(self, key: str, token: str, amount: Money) -> Outcome:
        self._wait()
        behaviour = _next_scripted() or self._random_failure() or _behaviour(token)
        if behaviour == TIMEOUT_BEFORE:  # the call never reached the provider
            raise OutcomeUnknown("sandbox: timed out before executing")
        if behaviour == PROCESSING_ERROR:  # nothing moves; a key executed before answers as then
            return self.lookup(key) or Outcome(ERROR, reason="processing_error")
        # A key executed before gets its first answer: nothing moves twice.
        outcome = self._record(key, token, amount, DECLINED if behaviour == DECLINE else SUCCEEDED)
        if behaviour == TIMEOUT_AFTER:
            raise OutcomeUnknown("sandbox: executed, then timed out")
        if behaviour == ERROR_500_AFTER:
            raise OutcomeUnknown("sandbox: executed, then answered 500")
        return outcome

    def lookup(self, key: str) -> Outcome | None:
        with db.engine.connect() as conn:
            row = conn.execute(select(SandboxTransfer.status, SandboxTransfer.reference)
                               .where(SandboxTransfer.provider == self.name, SandboxTransfer.key == key)).first()
        return None if row is None else _outcome(row.status, row.reference)

    def _record(self, key: str, token: str, amount: Money, status: str) -> Outcome:
        """Book the transfer under ``key``; a key booked before (by an earlier call or a racing
        one: the unique key decides) answers as it did then."""
        reference = f"sbx-{secrets.token_hex(6)}"
        try:
            # One cached statement in autocommit: no BEGIN and COMMIT round trips around it.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(SandboxTransfer.__table__.insert().values(
                    provider=self.name, key=key, token=token, amount_cents=amount.cents, status=status,
                    reference=reference, created_at=clock.now()))
        except IntegrityError:  # its connection is back in the pool before the lookup takes one
            return self.lookup(key)
        return _outcome(status, reference)

    def _wait(self) -> None:
        latency = current_app.config.get("SANDBOX_LATENCY_MS", 0 if current_app.testing else 300)
        if latency:
            time.sleep(random.uniform(0.5, 1.5) * latency / 1000)

    def _random_failure(self) -> str | None:
        rate = current_app.config.get("SANDBOX_FAILURE_RATE", 0 if current_app.testing else 0.05)
        if rate and random.random() < rate:
            return random.choice([TIMEOUT_BEFORE, TIMEOUT_AFTER])
        return None


def _outcome(status: str, reference: str) -> Outcome:
    return Outcome(status, reference, "" if status == SUCCEEDED else "declined")


def _behaviour(token: str) -> str:
    """``sbx_timeout_after_3f2a`` → ``timeout_after``."""
    return token.split("_", 1)[1].rsplit("_", 1)[0]


def sandbox_token(behaviour: str) -> str:
    """An account token the sandbox recognises, e.g. ``sbx_ok_3f2a…``."""
    return f"sbx_{behaviour}_{secrets.token_hex(8)}"


def call_once(provider: Provider, key: str, token: str, amount: Money) -> Outcome | None:
    """Execute ``key``; when the answer is lost, ask the provider what became of it.

    None: still unknown (the provider never saw the key, or cannot be reached) — the caller
    keeps the attempt pending and tries again later with the same key.
    """
    try:
        return provider.execute(key, token, amount)
    except OutcomeUnknown:
        try:
            return provider.lookup(key)
        except OutcomeUnknown:
            return None
