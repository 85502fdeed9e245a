"""The emailed set-password link: works once, for 7 days, then the password signs in."""

from datetime import timedelta

import pytest

from portal import clock, people
from tests import factories
from tests.accounts import field_error, password_link

NEW = {"password": "whiskers and paws", "confirm": "whiskers and paws"}


@pytest.fixture
def manager(db):
    return factories.user("manager", name="Marquise Whiskers")


@pytest.fixture(params=["warehouse", "manager", "worker"])
def invited(request, manager):
    """A new account that has no password yet, only the emailed link."""
    if request.param == "worker":
        return people.add_worker("new@example.test", "Oliver Paws", by=manager)
    return people.invite_staff(request.param, "new@example.test", "Barsik Shelves", "en", by=manager)


def test_the_link_sets_the_password_signs_in_and_the_password_works_afterwards(app, client, invited):
    link = password_link(invited.email)
    page = client.get(link)
    assert page.status_code == 200 and "Choose a password for new@example.test" in page.get_data(as_text=True)

    response = client.post(link, data=NEW)

    home = {"worker": "/worker/", "manager": "/manager/", "warehouse": "/warehouse/"}[invited.role]
    assert response.status_code == 302 and response.headers["Location"] == home
    assert client.get(home).status_code == 200
    other = app.test_client()
    assert other.post("/login", data={"email": invited.email, "password": NEW["password"]}).headers["Location"] == home


def test_the_link_works_only_once(client, invited):
    link = password_link(invited.email)
    client.post(link, data=NEW)
    client.post("/logout")

    again = client.get(link)
    reuse = client.post(link, data={"password": "someone else's", "confirm": "someone else's"})

    assert again.status_code == reuse.status_code == 410
    assert "This link is no longer valid" in again.get_data(as_text=True)
    assert client.post("/login", data={"email": invited.email, "password": NEW["password"]}).status_code == 303


def test_the_link_expires_after_7_days(client, invited):
    link = password_link(invited.email)
    clock.freeze(clock.now())

    clock.advance(timedelta(days=7) - timedelta(minutes=1))
    assert client.get(link).status_code == 200
    clock.advance(timedelta(minutes=1))

    assert client.get(link).status_code == 410
    assert client.post(link, data=NEW).status_code == 410
    assert b"Wrong email or password." in client.post(
        "/login", data={"email": invited.email, "password": NEW["password"]}).data


def test_a_short_password_is_refused_and_the_link_still_works(client, invited):
    link = password_link(invited.email)

    response = client.post(link, data={"password": "short", "confirm": "short"})

    assert response.status_code == 200
    assert field_error(response, "password") == "Use 8 to 200 characters."
    assert client.post(link, data=NEW).status_code == 302


def test_before_the_password_is_set_nobody_can_sign_in(client, invited):
    response = client.post("/login", data={"email": invited.email, "password": ""})
    guess = client.post("/login", data={"email": invited.email, "password": "anything at all"})

    assert field_error(response, "password") == "Enter your password."
    assert b"Wrong email or password." in guess.data


def test_a_deactivated_account_cannot_use_its_link(client, manager, invited):
    people.set_active(invited.id, False, by=manager)

    assert client.get(password_link(invited.email)).status_code == 410


def test_a_made_up_link_is_no_link(client, db):
    assert client.get("/set-password/not-a-real-token").status_code == 410
