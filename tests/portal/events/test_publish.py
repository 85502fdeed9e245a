"""Which events the relay hears about: only those of a committed transaction, after the commit."""

from __future__ import annotations

import pytest

from portal import events
from portal.db import transaction


@pytest.fixture
def relayed(monkeypatch) -> list[str]:
    """The names the relay is handed, in place of the real relay."""
    heard: list[str] = []
    monkeypatch.setattr(events, "_hooks", [lambda pending: heard.extend(name for _, name in pending)])
    return heard


def test_a_commit_relays_its_events_once(db, relayed):
    with transaction():
        events.publish("test.first", {})
        events.publish("test.second", {})
    with transaction():
        events.publish("test.third", {})
    assert relayed == ["test.first", "test.second", "test.third"]


def test_a_rolled_back_or_abandoned_transaction_relays_nothing_later(db, relayed):
    events.publish("test.rolled_back", {})
    db.session.rollback()
    events.publish("test.abandoned", {})
    db.session.close()  # e.g. a request that failed before its commit
    with transaction():
        events.publish("test.kept", {})
    assert relayed == ["test.kept"]


def test_event_names_say_what_happened_to_what(db):
    with pytest.raises(ValueError):
        events.publish("accepted", {})
