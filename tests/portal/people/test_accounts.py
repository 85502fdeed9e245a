"""The people operations other contexts call (hiring, housekeeping), beyond what pages show."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import clock, people
from portal.errors import DomainError
from tests import factories
from tests.accounts import account_count, emails_to, find_account, published
from tests.conftest import ON_POSTGRES


def test_hiring_creates_a_worker_with_what_the_tests_found(db):
    manager = factories.user("manager")

    worker = people.add_worker(
        " Oliver@Example.test ", " Oliver Paws ", "ru", age=4, breed="Maine Coon", fur_colour="ginger",
        photo=factories.image_bytes("PNG"), strengths=["cleaning"], weaknesses=["cooking"],
        about="Fast.", by=manager,
    )

    profile = people.worker_profile(worker.id)
    assert (worker.email, worker.name, worker.language) == ("oliver@example.test", "Oliver Paws", "ru")
    assert (profile.strengths, profile.weaknesses, profile.breed) == (["cleaning"], ["cooking"], "Maine Coon")
    assert people.worker_photo(worker.id).content_type == "image/jpeg"
    assert [e.template for e in emails_to("oliver@example.test")] == ["worker_welcome"]


def test_events_tell_what_changed_but_never_a_secret(db):
    people.register_client("tom@example.test", "purr purr purr", "Tom", "12 Catnip Lane")

    (payload,) = published("client.registered")

    assert set(payload) == {"user_id", "role", "email", "name", "address", "language", "active"}


@pytest.mark.parametrize("call, field", [
    (lambda by: people.register_client("tom@example.test", "purr purr purr", " ", "Here"), "name"),
    (lambda by: people.register_client("tom", "purr purr purr", "Tom", "Here"), "email"),
    (lambda by: people.register_client("tom@example.test", "purr", "Tom", "Here"), "password"),
    (lambda by: people.register_client("tom@example.test", "purr purr purr", "Tom", "Here", "de"), "language"),
    (lambda by: people.add_worker("oliver@example.test", "Oliver", age=99, by=by), "age"),
    (lambda by: people.add_worker("oliver@example.test", "Oliver", photo=b"not a photo", by=by), "photo"),
    (lambda by: people.invite_staff("client", "b@example.test", "B", "en", by=by), "role"),
], ids=["name", "email", "password", "language", "age", "photo", "staff-role"])
def test_every_operation_checks_its_input_whoever_calls_it(db, call, field):
    manager = factories.user("manager")
    before = account_count()

    with pytest.raises(DomainError) as refused:
        call(manager)

    assert refused.value.field == field
    assert account_count() == before


def test_housekeeping_forgets_old_sessions_failures_and_links_only(app, db):
    clock.freeze(clock.now())
    user = factories.user("client")
    old_token = people.open_session(user)
    with pytest.raises(people.InvalidLogin):
        people.authenticate(user.email, "wrong password", "10.0.0.1")
    people.add_worker("oliver@example.test", "Oliver")
    clock.advance(timedelta(days=45))
    live_token = people.open_session(user)

    forgotten = people.purge_expired()

    assert forgotten == 3  # the old session, the failure and the unused link
    assert people.session_user(user.id, live_token) is not None
    assert people.session_user(user.id, old_token) is None


def test_a_session_ends_by_itself_after_its_lifetime(app, client, db):
    user = factories.user("client")
    clock.freeze(clock.now())
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    clock.advance(timedelta(seconds=app.config["SESSION_LIFETIME"] - 1))
    assert client.get("/client/").status_code == 200

    clock.advance(timedelta(seconds=1))

    assert client.get("/client/").headers["Location"].startswith("/login")


def test_the_language_picked_in_the_header_is_kept_on_the_account(client, db, login_as):
    user = login_as("worker")

    client.post("/language", data={"language": "ru", "next": "/worker/"})

    assert find_account(user.email).language == "ru"
    assert published("worker.updated")[0]["language"] == "ru"


def test_two_sign_ups_racing_with_one_email_make_one_account_and_one_clear_refusal(app, db):
    both_checked = threading.Barrier(2, timeout=10)
    waited = threading.local()

    def hold_until_both_checked(session, flush_context, instances):
        # Both sign-ups have found the email free; only the unique index can decide now.
        if not getattr(waited, "done", False):
            waited.done = True
            both_checked.wait()

    outcomes = []

    def sign_up(name):
        with app.app_context():
            try:
                people.register_client("tom@example.test", "purr purr purr", name, "Here")
                outcomes.append("registered")
            except DomainError as exc:
                outcomes.append((exc.field, str(exc.message)))

    # PostgreSQL: both find the email free and only the unique index decides. SQLite: the
    # second waits for the first's write lock (BEGIN IMMEDIATE), then finds the email taken.
    if ON_POSTGRES:
        event.listen(Session, "before_flush", hold_until_both_checked)
    try:
        threads = [threading.Thread(target=sign_up, args=(name,)) for name in ("Tom", "Thomas")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        if ON_POSTGRES:
            event.remove(Session, "before_flush", hold_until_both_checked)

    assert sorted(outcomes, key=str) == sorted(
        ["registered", ("email", "An account with this email already exists.")], key=str)
    assert account_count() == 1
    assert len(published("client.registered")) == 1 and len(emails_to("tom@example.test")) == 1
