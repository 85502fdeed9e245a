"""Deciding: accept → applicant.accepted → one worker with everything hiring learned; reject politely."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jobs.events import handle_event
from jobs.hiring import create_worker
from portal import applicants, people
from portal.applicants.models import ApplicantPhoto, Application
from portal.errors import Conflict, DomainError
from portal.events import OutboxEvent
from portal.notifications import Email
from tests import factories
from tests.portal.applicants import factories as af
from tests.waiting import wait_for


def _accepted_event(db):
    return db.session.scalar(select(OutboxEvent).where(OutboxEvent.name == "applicant.accepted"))


def _workers(db):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(people.User).where(people.User.role == "worker"))


@pytest.fixture
def hired(db):
    """An applicant who passed, with a checked photo, accepted by a manager."""
    cleaning = af.vacancy("cleaning")
    app, _ = af.taken(right=2, service=cleaning)
    applicants.check_photo(app.photo_id)
    applicants.accept(app.id, ["cleaning"], [], factories.user("manager"))
    return app


def test_applicant_accepted_delivered_twice_creates_one_worker(db, hired):
    event = _accepted_event(db)
    handle_event.fn(event.id, "hiring.create_worker")
    handle_event.fn(event.id, "hiring.create_worker")
    assert _workers(db) == 1
    worker = db.session.scalar(select(people.User).where(people.User.email == hired.email))
    profile = people.worker_profile(worker.id)
    assert (worker.name, profile.age, profile.breed, profile.fur_colour) == (hired.name, 3, "Tabby", "grey")
    assert profile.strengths == ["cleaning"] and profile.photo_id is not None
    assert db.session.get(Application, hired.id).worker_id == worker.id
    welcome = db.session.scalar(select(Email).where(Email.to == hired.email, Email.template == "worker_welcome"))
    assert "/set-password/" in welcome.text_body


def test_a_second_run_of_the_consumer_itself_makes_no_second_account(db, hired):
    payload = _accepted_event(db).payload
    create_worker(payload, event_id="x")
    create_worker(payload, event_id="y")  # as if the consumer record were lost
    assert _workers(db) == 1
    log = [applicants.note_text(n) for n in applicants.notes(hired.id)]
    assert any("could not be created" in text for text in log)


def test_the_worker_is_created_by_the_background_jobs(db, hired, jobs_worker):
    db.session.commit()
    wait_for(lambda: _workers(db) == 1)


def test_accepting_needs_a_taken_test(db):
    app = af.application().application
    with pytest.raises(Conflict):
        applicants.accept(app.id, [], [], factories.user("manager"))
    assert _accepted_event(db) is None


def test_a_service_cannot_be_both_strength_and_weakness(db):
    af.vacancy("cleaning")
    app, _ = af.taken(right=2)
    with pytest.raises(DomainError):
        applicants.accept(app.id, ["cleaning"], ["cleaning"], factories.user("manager"))


def test_rejecting_sends_a_polite_email_with_the_reason_and_kills_the_unused_link(db):
    app, token = af.assigned()
    applicants.reject(app.id, "We need cats who can swim.", factories.user("manager"))
    email = db.session.scalar(select(Email).where(Email.template == "applicant_rejected"))
    assert "cannot offer you work" in email.text_body and "We need cats who can swim." in email.text_body
    assert applicants.attempt_by_token(token) is None


def test_every_step_emails_the_applicant_in_their_language(db):
    app = af.application(language="ru").application
    manager = factories.user("manager")
    applicants.mark_contacted(app.id, manager)
    emails = db.session.scalars(select(Email).where(Email.to == app.email).order_by(Email.id)).all()
    assert [e.template for e in emails] == ["applicant_received", "applicant_contacted"]
    assert {e.language for e in emails} == {"ru"}


def test_managers_get_one_digest_of_new_applications(db):
    factories.user("manager")
    first, second = af.application(), af.application()
    assert applicants.notify_managers() == 2
    assert applicants.notify_managers() == 0  # each application is mentioned once
    digest = db.session.scalar(select(Email).where(Email.template == "applicant_digest"))
    assert first.application.name in digest.text_body and second.application.name in digest.text_body
    assert "/manager/applicants" in digest.text_body


def test_an_unreadable_photo_is_refused_by_the_job_and_noted(db):
    app = af.application().application
    photo = db.session.get(Application, app.id).photo_id
    db.session.get(ApplicantPhoto, photo).data = b"\x89PNG\r\n\x1a\n but truncated"
    db.session.commit()
    assert applicants.check_photo(photo) == "refused"
    assert applicants.photo_of(app.id) is None
    assert any("could not be read" in applicants.note_text(n) for n in applicants.notes(app.id))
