"""Login throttling holds under parallel attempts: each attempt is counted before its password is checked."""

from __future__ import annotations

import threading

import pytest

from portal import clock, people
from portal.people import accounts
from tests import factories

PARALLEL = 25


def test_25_parallel_wrong_passwords_check_at_most_the_limit_then_the_right_one_is_refused(
        app, db, monkeypatch):
    user = factories.user("manager")
    email, limit = user.email, app.config["LOGIN_FAILURE_LIMIT"]
    clock.freeze(clock.now())
    lock = threading.Condition()
    checking, settled = [], []
    real_verify = accounts.verify_password

    def verify_when_all_have_counted(password_hash, password):
        # Every thread is either checking or refused before any check ends: without a
        # reservation before the count, all 25 would be checking here at once.
        with lock:
            checking.append(password)
            lock.notify_all()
            lock.wait_for(lambda: len(checking) + len(settled) >= PARALLEL, timeout=15)
        return real_verify(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", verify_when_all_have_counted)
    start = threading.Barrier(PARALLEL, timeout=15)
    outcomes = []

    def guess(n):
        with app.app_context():
            start.wait()
            try:
                people.authenticate(email, f"guess number {n}", "198.51.100.7")
            except people.LoginThrottled:
                outcomes.append("throttled")
                with lock:
                    settled.append(n)
                    lock.notify_all()
            except people.InvalidLogin:
                outcomes.append("wrong")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert len(outcomes) == PARALLEL
    assert len(checking) <= limit
    assert outcomes.count("wrong") == len(checking) and outcomes.count("throttled") == PARALLEL - len(checking)
    monkeypatch.setattr(accounts, "verify_password", real_verify)
    with pytest.raises(people.LoginThrottled):
        people.authenticate(email, factories.PASSWORD, "198.51.100.7")


def test_an_account_deactivated_by_a_manager_is_named_only_to_the_right_password(db):
    manager = factories.user("manager")
    worker = factories.user("worker")
    people.set_active(worker.id, False, by=manager)

    with pytest.raises(people.InvalidLogin):
        people.authenticate(worker.email, "not the password", "10.0.0.1")
    with pytest.raises(people.AccountDeactivated) as told:
        people.authenticate(worker.email, factories.PASSWORD, "10.0.0.1")

    assert "deactivated" in str(told.value.message)
