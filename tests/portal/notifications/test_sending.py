"""Queueing and delivering emails, against a real SMTP server (no worker: one try per call)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock, notifications
from portal.db import transaction
from portal.errors import DomainError
from portal.events import OutboxEvent
from portal.notifications import MAX_ATTEMPTS, Email, deliver_email, queue_email
from portal.notifications.sending import SENDING_LEASE
from tests.portal.notifications.helpers import in_language


def _queue(to="tom@example.test", template="welcome", language="en", **context) -> int:
    with transaction():
        email = queue_email(to, template, language, **({"name": "Tom"} | context))
    return email.id


def _email(db, email_id: int) -> Email:
    db.session.expire_all()
    return db.session.get(Email, email_id)


def _parts(message) -> tuple[str, str]:
    return (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content())


def test_an_email_is_delivered_with_subject_sender_text_and_html(app, db, smtp_server):
    email_id = _queue("tom@example.test", "invitation", name="Tom", inviter="Ann",
                      link="http://portal.test/set-password/abc", role="manager")
    assert deliver_email(email_id).state == "sent"

    [message] = smtp_server.messages
    assert message["Subject"] == "You are invited to the MCF portal"
    assert message["To"] == "tom@example.test"
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Date"] and message["Message-ID"]
    text, html = _parts(message)
    assert "Hello Tom," in text and "Ann has created an MCF staff account" in text
    assert "http://portal.test/set-password/abc" in text
    assert 'href="http://portal.test/set-password/abc"' in html
    row = _email(db, email_id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None


def test_an_email_is_written_in_the_recipients_language(db, smtp_server):
    deliver_email(_queue("ivan@example.test", language="ru", name="Иван"))
    deliver_email(_queue("tom@example.test", language="en"))

    [ru] = smtp_server.to("ivan@example.test")
    [en] = smtp_server.to("tom@example.test")
    assert ru["Content-Language"] == "ru" and en["Content-Language"] == "en"
    assert ru["Subject"] == in_language("ru", "Welcome to MCF, %(name)s", name="Иван")
    assert en["Subject"] == "Welcome to MCF, Tom"
    for part in _parts(ru):
        assert in_language("ru", "Hello %(name)s,", name="Иван") in part
        assert in_language("ru", "The MCF team") in part
    assert '<html lang="ru">' in _parts(ru)[1] and '<html lang="en">' in _parts(en)[1]


def test_an_unknown_language_falls_back_to_the_default(db):
    email = _email(db, _queue(language="xx"))
    assert email.language == "en" and '<html lang="en">' in email.html_body


def test_a_refused_email_is_retried_later_and_then_sent(app, db, smtp_server):
    clock.freeze(clock.now())
    smtp_server.refuse(1)
    email_id = _queue()

    first = deliver_email(email_id)
    row = _email(db, email_id)
    assert first.state == row.state == "retrying"
    assert first.retry_in == timedelta(seconds=app.config["EMAIL_RETRY_BASE_SECONDS"])
    assert row.next_attempt_at == clock.now() + first.retry_in
    assert "451" in row.last_error and "Try again later" in row.last_error
    assert smtp_server.messages == []

    assert deliver_email(email_id).state == "sent"
    row = _email(db, email_id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(smtp_server.messages) == 1


def test_retries_wait_longer_each_time(app, db, smtp_server):
    smtp_server.refuse(3)
    email_id = _queue()
    waits = [deliver_email(email_id).retry_in for _ in range(3)]
    base = app.config["EMAIL_RETRY_BASE_SECONDS"]
    assert waits == [timedelta(seconds=base * n) for n in (1, 4, 16)]


def test_an_unreachable_server_is_retried(app, db, smtp_server):
    smtp_server.stop()  # nothing listens on the port now
    email_id = _queue()
    assert deliver_email(email_id).state == "retrying"
    assert "ConnectionRefusedError" in _email(db, email_id).last_error

    smtp_server.start()
    assert deliver_email(email_id).state == "sent"
    assert len(smtp_server.messages) == 1


def test_it_gives_up_after_max_attempts_and_keeps_the_reason(db, smtp_server):
    smtp_server.refuse(MAX_ATTEMPTS + 1)
    email_id = _queue()
    states = [deliver_email(email_id).state for _ in range(MAX_ATTEMPTS)]
    assert states == ["retrying"] * (MAX_ATTEMPTS - 1) + ["failed"]

    row = _email(db, email_id)
    assert (row.state, row.attempts, row.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert "451" in row.last_error
    assert deliver_email(email_id).state == "failed"  # no more tries
    assert smtp_server.refused == MAX_ATTEMPTS and smtp_server.messages == []


def test_a_mailbox_that_does_not_exist_fails_at_once(db, smtp_server):
    smtp_server.refuse(1, "550 5.1.1 No such mailbox")
    email_id = _queue()
    assert deliver_email(email_id).state == "failed"
    row = _email(db, email_id)
    assert row.attempts == 1 and "No such mailbox" in row.last_error


def test_without_an_smtp_server_the_email_is_kept_for_the_mail_viewer(app, db):
    assert app.config["SMTP_HOST"] is None
    email_id = _queue()
    assert deliver_email(email_id).state == "kept"
    row = _email(db, email_id)
    assert row.state == "kept" and row.sent_at is not None and row.attempts == 0


def test_delivering_twice_sends_once(db, smtp_server):
    email_id = _queue()
    assert deliver_email(email_id).state == "sent"
    assert deliver_email(email_id).state == "sent"
    assert len(smtp_server.messages) == 1


def test_two_workers_delivering_at_once_send_once(app, db, smtp_server):
    email_ids = [_queue(f"cat{n}@example.test") for n in range(5)]
    results: list[str] = []

    def deliver_all():
        with app.app_context():
            results.extend(deliver_email(email_id).state for email_id in email_ids)

    threads = [threading.Thread(target=deliver_all) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(m["To"] for m in smtp_server.messages) == sorted(f"cat{n}@example.test" for n in range(5))
    assert results.count("sent") >= 5  # the other call saw "sending" or "sent"


def test_an_interrupted_try_is_picked_up_again_after_its_lease(db, smtp_server):
    clock.freeze(clock.now())
    email_id = _queue()
    with transaction():  # a worker claimed it and then died mid-conversation
        row = _email(db, email_id)
        row.state, row.attempts, row.next_attempt_at = "sending", 1, clock.now() + SENDING_LEASE

    assert deliver_email(email_id).state == "sending"  # someone is on it
    assert email_id not in notifications.emails_due()
    clock.advance(SENDING_LEASE)
    assert notifications.emails_due() == [email_id]
    assert deliver_email(email_id).state == "sent"
    assert _email(db, email_id).attempts == 2 and len(smtp_server.messages) == 1


def test_the_sweep_finds_due_retries_and_lost_hand_offs_only(db, smtp_server):
    clock.freeze(clock.now())
    smtp_server.refuse(1)
    retrying, fresh, sent = _queue(), _queue(), _queue()
    deliver_email(retrying)
    deliver_email(sent)
    assert notifications.emails_due() == []  # a fresh email is being handed over right now

    clock.advance(timedelta(minutes=1))
    assert sorted(notifications.emails_due()) == sorted([retrying, fresh])


def test_a_rolled_back_transaction_queues_nothing(db):
    with pytest.raises(DomainError):
        with transaction():
            queue_email("tom@example.test", "welcome", "en", name="Tom")
            raise DomainError("refused")
    assert db.session.scalars(select(Email)).all() == []
    assert db.session.scalars(select(OutboxEvent)).all() == []


def test_queueing_publishes_email_queued_with_the_email(db):
    email_id = _queue()
    [event] = db.session.scalars(select(OutboxEvent)).all()
    assert (event.name, event.payload) == ("email.queued", {"email_id": email_id})


def test_the_emails_of_one_transaction_are_announced_by_one_event(db):
    with transaction():
        first = queue_email("tom@example.test", "welcome", "en", name="Tom")
        second = queue_email("ann@example.test", "welcome", "en", name="Ann")
    [event] = db.session.scalars(select(OutboxEvent)).all()
    assert (event.name, event.payload) == ("emails.queued", {"email_ids": [first.id, second.id]})


def test_an_email_of_a_savepoint_rolled_back_is_left_out_of_the_announcement(db):
    with transaction():
        kept = queue_email("tom@example.test", "welcome", "en", name="Tom")
        with pytest.raises(DomainError), db.session.begin_nested():
            queue_email("ghost@example.test", "welcome", "en", name="Ghost")
            raise DomainError("refused after queueing")
    assert [e.to for e in db.session.scalars(select(Email))] == ["tom@example.test"]
    [event] = db.session.scalars(select(OutboxEvent)).all()
    assert (event.name, event.payload) == ("email.queued", {"email_id": kept.id})


def test_a_batch_is_sent_in_two_statements_whatever_its_size(db, smtp_server, count_queries):
    counts = []
    for size in (1, 4):
        with transaction():
            ids = [queue_email(f"cat{n}@example.test", "welcome", "en", name=f"Cat {n}").id for n in range(size)]
        with count_queries() as delivering:
            results = notifications.deliver_emails(ids)
        assert {email_id: result.state for email_id, result in results.items()} == {email_id: "sent" for email_id in ids}
        counts.append([s for s in delivering.statements if not s.startswith("BEGIN")])  # SQLite's write lock
    assert len(counts[0]) == len(counts[1]) == 2  # claim them all; record them all sent
    assert len(smtp_server.messages) == 5
    assert all(_email(db, email_id).state == "sent" for email_id in ids)


def test_in_a_batch_a_refused_email_is_retried_and_the_others_are_sent(db, smtp_server):
    with transaction():
        ids = [queue_email(f"cat{n}@example.test", "welcome", "en", name=f"Cat {n}").id for n in range(3)]
    smtp_server.refuse(1)
    results = notifications.deliver_emails(ids)
    assert [results[email_id].state for email_id in ids] == ["retrying", "sent", "sent"]
    assert [_email(db, email_id).state for email_id in ids] == ["retrying", "sent", "sent"]
    # Tried again (its retry's wake-up): the refused one goes, the others are not sent twice.
    assert [notifications.deliver_emails(ids)[email_id].state for email_id in ids] == ["sent"] * 3
    assert sorted(m["To"] for m in smtp_server.messages) == [f"cat{n}@example.test" for n in range(3)]
