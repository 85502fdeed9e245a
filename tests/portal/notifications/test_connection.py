"""One SMTP connection per worker thread, kept between emails, against a real SMTP server."""

from __future__ import annotations

import dramatiq

from portal.db import transaction
from portal.notifications import Email, close_smtp_connection, deliver_email, queue_email
from tests.waiting import wait_for


def _queue(n: int) -> int:
    with transaction():
        return queue_email(f"cat{n}@example.test", "welcome", "en", name=f"Cat {n}").id


def _states(db) -> list[str]:
    db.session.expire_all()
    states = [email.state for email in db.session.query(Email).order_by(Email.id)]
    db.session.rollback()
    return states


def test_emails_one_after_another_go_over_one_connection(db, smtp_server):
    close_smtp_connection()
    states = [deliver_email(_queue(n)).state for n in range(5)]
    assert states == ["sent"] * 5
    assert len(smtp_server.messages) == 5
    assert smtp_server.connections == 1
    close_smtp_connection()
    assert smtp_server.goodbyes == 1


def test_a_refused_email_keeps_the_connection_for_the_next(db, smtp_server):
    close_smtp_connection()
    smtp_server.refuse(1)
    assert deliver_email(_queue(1)).state == "retrying"
    assert deliver_email(_queue(2)).state == "sent"
    assert smtp_server.connections == 1
    close_smtp_connection()


def test_a_connection_the_server_dropped_is_opened_again_and_the_email_sent_at_once(db, smtp_server):
    close_smtp_connection()
    assert deliver_email(_queue(1)).state == "sent"
    smtp_server.drop_connections()  # idle timeout, restart: the kept connection is dead
    email_id = _queue(2)
    assert deliver_email(email_id).state == "sent"  # this try, not a retry later
    assert db.session.get(Email, email_id).attempts == 1
    assert [m["To"] for m in smtp_server.messages] == ["cat1@example.test", "cat2@example.test"]
    assert smtp_server.connections == 2
    close_smtp_connection()


def test_a_worker_sends_over_one_connection_per_thread_and_closes_them_when_it_stops(app, db, smtp_server):
    from jobs.broker import broker

    worker = dramatiq.Worker(broker, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        for n in range(12):
            _queue(n)
        wait_for(lambda: _states(db) == ["sent"] * 12, message="every email sent")
    finally:
        worker.stop()
        broker.middleware[:] = [m for m in broker.middleware if getattr(m, "worker", None) is not worker]
    assert len(smtp_server.messages) == 12
    assert 1 <= smtp_server.connections <= 2
    wait_for(lambda: smtp_server.goodbyes == smtp_server.connections, message="a QUIT on each connection")
