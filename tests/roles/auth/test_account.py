"""Every user edits their own profile and password."""

import pytest

from portal import people
from tests import factories
from tests.accounts import field_error, find_account, html_lang, password_link, published


def sign_in(client, user, password=factories.PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 303


@pytest.mark.parametrize("role", ["client", "worker", "manager", "warehouse"])
def test_everyone_edits_their_profile_and_the_others_are_told(client, db, login_as, role):
    user = login_as(role)

    response = client.post("/account", data={"name": "New Name", "address": "7 Yarn Road", "language": "en"})

    assert response.status_code == 303 and response.headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "Your profile is saved." in page and 'value="New Name"' in page
    assert (find_account(user.email).name, find_account(user.email).address) == ("New Name", "7 Yarn Road")
    (event,) = published(f"{role}.updated")
    assert event["user_id"] == user.id and event["name"] == "New Name"


def test_saving_an_unchanged_profile_tells_nobody(client, db, login_as):
    user = login_as("client")

    client.post("/account", data={"name": user.name, "address": user.address, "language": "en"})

    assert published("client.updated") == []


def test_choosing_a_language_in_the_profile_switches_the_pages(client, db, login_as):
    user = login_as("client")
    assert html_lang(client.get("/client/")) == "en"

    client.post("/account", data={"name": user.name, "address": user.address, "language": "ru"})

    page = client.get("/client/")
    assert html_lang(page) == "ru"
    assert find_account(user.email).language == "ru"


@pytest.mark.parametrize("change, field, message", [
    ({"name": ""}, "name", "Tell us your name."),
    ({"address": ""}, "address", "Where should workers come? Enter your address."),
    ({"language": "de"}, "language", "Not a valid choice."),
])
def test_a_bad_profile_shows_the_message_and_keeps_the_old_one(client, db, login_as, change, field, message):
    user = login_as("client", name="Tom Tabby")

    response = client.post("/account", data={"name": "Tom", "address": "Here", "language": "en"} | change)

    assert response.status_code == 200
    assert message in field_error(response, field)
    assert find_account(user.email).name == "Tom Tabby"
    assert published("client.updated") == []


def test_staff_may_leave_the_address_empty(client, db, login_as):
    user = login_as("warehouse")

    client.post("/account", data={"name": user.name, "address": "", "language": "en"})

    assert find_account(user.email).address == ""


def test_a_visitor_is_sent_to_sign_in_first(client, db):
    response = client.get("/account")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/account"


def test_the_password_changes_only_with_the_current_one(client, db, login_as):
    user = login_as("client")

    response = client.post("/account/password", data={
        "old_password": "not my password", "new_password": "brand new secret", "confirm": "brand new secret"})

    assert response.status_code == 200
    assert field_error(response, "old_password") == "The current password is not right."
    client.post("/logout")
    sign_in(client, user)  # the old password still works


def test_a_new_password_must_be_long_enough_and_repeated(client, db, login_as):
    login_as("client")

    short = client.post("/account/password", data={
        "old_password": factories.PASSWORD, "new_password": "short", "confirm": "short"})
    mismatch = client.post("/account/password", data={
        "old_password": factories.PASSWORD, "new_password": "brand new secret", "confirm": "brand new secreT"})

    assert field_error(short, "new_password") == "Use 8 to 200 characters."
    assert field_error(mismatch, "confirm") == "The passwords do not match."


def test_changing_the_password_signs_out_other_browsers_but_not_this_one(app, client, db, login_as):
    user = login_as("worker")
    laptop = app.test_client()
    sign_in(laptop, user)
    assert laptop.get("/worker/").status_code == 200

    response = client.post("/account/password", data={
        "old_password": factories.PASSWORD, "new_password": "brand new secret", "confirm": "brand new secret"})

    assert response.status_code == 303
    assert "Your password is changed." in client.get("/account").get_data(as_text=True)
    assert client.get("/worker/").status_code == 200
    assert laptop.get("/worker/").headers["Location"].startswith("/login")
    old = app.test_client().post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert b"Wrong email or password." in old.data
    sign_in(app.test_client(), user, "brand new secret")


def test_a_worker_sees_their_own_photo_on_the_account_page(client, db):
    worker = people.add_worker("paws@example.test", "Oliver Paws", photo=factories.image_bytes())
    client.post(password_link(worker.email), data={"password": "whiskers and paws", "confirm": "whiskers and paws"})

    page = client.get("/account").get_data(as_text=True)
    photo = client.get("/account/photo")

    assert 'src="/account/photo"' in page and "What clients see about you" in page
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"


def test_an_account_without_a_photo_has_none_to_show(client, db, login_as):
    login_as("client")

    assert client.get("/account/photo").status_code == 404
