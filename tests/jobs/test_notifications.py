"""Emails go out from the background jobs: outbox → consumer → deliver, with retries."""

from __future__ import annotations

import pytest

from portal import people
from portal.db import transaction
from portal.errors import DomainError
from portal.notifications import MAX_ATTEMPTS, Email, queue_email
from tests import factories
from tests.portal.notifications.helpers import in_language
from tests.waiting import wait_for


def _email_to(db, address: str) -> Email | None:
    db.session.expire_all()
    return db.session.query(Email).filter_by(to=address).one_or_none()


def _state_of(db, address: str, *states: str):
    """Wait until the email to ``address`` is in one of ``states``; return it."""
    return wait_for(lambda: (e := _email_to(db, address)) is not None and e.state in states and e,
                    message=f"email to {address} to be {'/'.join(states)}")


def test_a_registration_email_reaches_the_smtp_server_in_the_clients_language(app, db, jobs_worker, smtp_server):
    people.register_client("ivan@example.test", factories.PASSWORD, "Иван", "1 Cat Street", language="ru")

    [message] = wait_for(lambda: smtp_server.to("ivan@example.test"), message="the welcome email")
    assert message["From"] == app.config["MAIL_FROM"]
    assert message["Subject"] == in_language("ru", "Welcome to MCF, %(name)s", name="Иван")
    assert message["Content-Language"] == "ru"
    greeting = in_language("ru", "Hello %(name)s,", name="Иван")
    assert greeting in message.get_body(("plain",)).get_content()
    assert greeting in message.get_body(("html",)).get_content()
    email = _state_of(db, "ivan@example.test", "sent")
    assert email.attempts == 1 and email.sent_at is not None


def test_a_refusing_server_is_retried_until_it_accepts(db, jobs_worker, smtp_server):
    smtp_server.refuse(100)
    with transaction():
        queue_email("tom@example.test", "welcome", "en", name="Tom")

    email = _state_of(db, "tom@example.test", "retrying")
    assert "451" in email.last_error and smtp_server.messages == []

    smtp_server.accept_all()
    email = _state_of(db, "tom@example.test", "sent", "failed")
    assert email.state == "sent" and email.last_error is None
    assert 2 <= email.attempts < MAX_ATTEMPTS
    assert len(smtp_server.to("tom@example.test")) == 1


def test_it_gives_up_after_max_attempts(db, jobs_worker, smtp_server):
    smtp_server.refuse(100)
    with transaction():
        queue_email("tom@example.test", "welcome", "en", name="Tom")

    email = _state_of(db, "tom@example.test", "failed")
    assert email.attempts == MAX_ATTEMPTS and "451" in email.last_error
    assert smtp_server.refused == MAX_ATTEMPTS and smtp_server.messages == []


def test_without_smtp_the_email_is_kept(app, db, jobs_worker):
    assert app.config["SMTP_HOST"] is None
    people.register_client("tom@example.test", factories.PASSWORD, "Tom", "1 Cat Street")
    email = _state_of(db, "tom@example.test", "kept")
    assert email.subject == "Welcome to MCF, Tom"


def test_an_email_of_a_rolled_back_operation_is_never_sent(db, jobs_worker, smtp_server):
    with pytest.raises(DomainError):
        with transaction():
            queue_email("ghost@example.test", "welcome", "en", name="Ghost")
            raise DomainError("refused after queueing")
    with transaction():
        queue_email("tom@example.test", "welcome", "en", name="Tom")

    wait_for(lambda: smtp_server.to("tom@example.test"), message="the committed email")
    assert [m["To"] for m in smtp_server.messages] == ["tom@example.test"]
    assert _email_to(db, "ghost@example.test") is None


def test_a_batch_of_emails_is_one_event_and_one_message_delivers_them_all(app, db, jobs_worker, smtp_server):
    """The weekly run's chunk queues its outcome emails together: one ``emails.queued`` event,
    and the one message that handles it sends every email over one connection."""
    from sqlalchemy import select

    from portal.events import OutboxEvent
    from portal.notifications import queued_together

    addresses = [f"cat{i}@example.test" for i in range(5)]
    with transaction(), queued_together():
        for address in addresses:
            queue_email(address, "registration_existing", "en", name="Tom", sign_in="http://portal.test/login")

    for address in addresses:
        assert len(wait_for(lambda a=address: smtp_server.to(a), message=f"the email to {address}")) == 1
        assert _state_of(db, address, "sent").attempts == 1
    names = db.session.scalars(select(OutboxEvent.name)).all()
    assert names == ["emails.queued"]
    assert smtp_server.connections == 1


def test_emails_queued_together_in_a_block_that_fails_are_never_announced(db):
    from sqlalchemy import func, select

    from portal.events import OutboxEvent
    from portal.notifications import queued_together

    with pytest.raises(RuntimeError), transaction(), queued_together():
        queue_email("tom@example.test", "registration_existing", "en", name="Tom", sign_in="http://x.test/")
        raise RuntimeError("the batch job failed half way")
    assert db.session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    assert db.session.scalar(select(func.count()).select_from(Email)) == 0
