"""A cat signs up as a client: clear messages next to the fields, or an account and a welcome."""

import re
from datetime import timedelta

import pytest

from portal import clock
from tests import factories
from tests.accounts import account_count, emails_to, field_error, find_account, published

GOOD = {"name": "Tom Tabby", "email": "tom@example.test", "address": "12 Catnip Lane",
        "password": "purr purr purr", "confirm": "purr purr purr", "language": "en"}


@pytest.mark.parametrize("change, field, message", [
    ({"name": "   "}, "name", "Tell us your name."),
    ({"email": ""}, "email", "Enter an email address."),
    ({"email": "tom at example"}, "email", "This does not look like an email address."),
    ({"address": ""}, "address", "Where should workers come? Enter your address."),
    ({"password": "short", "confirm": "short"}, "password", "Use 8 to 200 characters."),
    ({"confirm": "something else"}, "confirm", "The passwords do not match."),
    ({"language": "xx"}, "language", "Not a valid choice."),
])
def test_bad_input_comes_back_with_a_message_next_to_the_field_and_nothing_written(
        client, db, change, field, message):
    response = client.post("/register", data=GOOD | change)

    assert response.status_code == 200
    assert message in field_error(response, field)
    assert 'value="Tom Tabby"' in response.get_data(as_text=True) or field == "name"
    assert account_count() == 0
    assert published("client.registered") == []


def _link(address: str) -> str:
    """The path of the newest confirmation link emailed to ``address``."""
    body = emails_to(address)[-1].text_body
    return re.search(r"https?://[^/\s]+(/register/confirm/[\w-]+)", body).group(1)


def test_an_email_that_has_an_account_gets_the_same_page_and_its_owner_an_email(client, db):
    owner = factories.user("worker", email="tom@example.test", language="ru")

    taken = client.post("/register", data=GOOD | {"email": "  Tom@Example.TEST "})
    new = client.post("/register", data=GOOD | {"email": "jerry@example.test"})

    assert taken.status_code == new.status_code == 303
    assert taken.headers["Location"] == new.headers["Location"] == "/register/sent"
    assert "Check your email" in client.get("/register/sent").get_data(as_text=True)
    assert account_count() == 1 and find_account("tom@example.test").role == "worker"
    (notice,) = emails_to("tom@example.test")
    assert notice.template == "registration_existing" and notice.language == "ru"
    assert "/register/confirm/" not in notice.text_body and "/login" in notice.text_body
    assert find_account("tom@example.test").password_hash == owner.password_hash
    assert published("client.registered") == []


def test_an_htmx_submit_gets_only_the_form_back(client, db):
    response = client.post("/register", data=GOOD | {"email": "nope"}, headers={"HX-Request": "true"})

    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<form method="post" action="/register" id="register-form"')
    assert "<html" not in page
    assert field_error(response, "email")


def test_the_account_opens_only_from_the_emailed_link_then_signs_in_and_tells_the_others(client, db):
    response = client.post("/register", data=GOOD | {"email": "Tom@Example.test", "language": "ru"})

    assert response.status_code == 303 and response.headers["Location"] == "/register/sent"
    assert account_count() == 0 and published("client.registered") == []
    assert client.get("/client/").status_code == 302  # not signed in
    (mail,) = emails_to("tom@example.test")
    assert mail.template == "registration_confirm" and mail.language == "ru"

    page = client.get(_link("tom@example.test"))
    assert "tom@example.test" in page.get_data(as_text=True) and account_count() == 0
    opened = client.post(_link("tom@example.test"), data={"password": GOOD["password"]})

    assert opened.status_code == 303 and opened.headers["Location"] == "/client/"
    dashboard = client.get("/client/")
    assert dashboard.status_code == 200
    assert "Tom Tabby" in dashboard.get_data(as_text=True)
    user = find_account("tom@example.test")
    assert (user.role, user.name, user.address, user.language) == ("client", "Tom Tabby", "12 Catnip Lane", "ru")
    assert published("client.registered") == [{
        "user_id": user.id, "role": "client", "email": "tom@example.test", "name": "Tom Tabby",
        "address": "12 Catnip Lane", "language": "ru", "active": True,
    }]
    welcome = emails_to("tom@example.test")[-1]
    assert welcome.template == "welcome" and welcome.language == "ru"
    assert "Tom Tabby" in welcome.text_body


def test_the_link_asks_for_the_password_chosen_so_nobody_opens_an_account_for_someone_else(client, db):
    client.post("/register", data=GOOD)

    response = client.post(_link("tom@example.test"), data={"password": "the owner's own guess"})

    assert field_error(response, "password") == "This is not the password you chose when you signed up."
    assert account_count() == 0
    assert client.get(_link("tom@example.test")).status_code == 200  # still good for the right one


def test_a_used_or_expired_link_is_gone(client, db):
    clock.freeze(clock.now())
    client.post("/register", data=GOOD)
    client.post("/register", data=GOOD | {"email": "late@example.test"})
    used = _link("tom@example.test")
    client.post(used, data={"password": GOOD["password"]})
    client.post("/logout")

    assert client.get(used).status_code == 410
    assert client.post(used, data={"password": GOOD["password"]}).status_code == 410
    clock.advance(timedelta(hours=48, seconds=1))
    assert client.get(_link("late@example.test")).status_code == 410
    assert account_count() == 1


def test_the_new_client_can_sign_in_again_with_the_password(client, db):
    client.post("/register", data=GOOD)
    client.post(_link("tom@example.test"), data={"password": GOOD["password"]})
    client.post("/logout")

    response = client.post("/login", data={"email": "TOM@example.test", "password": GOOD["password"]})

    assert response.headers["Location"] == "/client/"


def test_a_signed_in_user_is_sent_home_from_the_register_page(client, db, login_as):
    login_as("worker")

    response = client.get("/register")

    assert response.status_code == 302 and response.headers["Location"] == "/worker/"


@pytest.mark.parametrize("has_account", [False, True], ids=["new-address", "address-with-an-account"])
def test_one_address_gets_at_most_three_sign_up_emails_a_day(client, db, has_account):
    if has_account:
        factories.user("client", email="tom@example.test")
    clock.freeze(clock.now())
    pages = [client.post("/register", data=GOOD) for _ in range(5)]

    assert {p.headers["Location"] for p in pages} == {"/register/sent"}
    assert len(emails_to("tom@example.test")) == 3
    clock.advance(timedelta(days=1, seconds=1))
    client.post("/register", data=GOOD)
    assert len(emails_to("tom@example.test")) == 4


def test_in_demo_mode_the_page_says_where_the_email_is(app, client, db):
    app.config["DEMO"] = True
    try:
        page = client.get("/register/sent").get_data(as_text=True)
    finally:
        app.config["DEMO"] = False

    assert "Demo mode: emails stay in the portal." in page
    assert "Demo mode" not in client.get("/register/sent").get_data(as_text=True)


def test_wtforms_own_messages_come_in_each_visitors_language(client, app, db):
    russian, english = app.test_client(), app.test_client()
    for _ in range(2):  # the catalogue kept for one language never answers the other
        ru = russian.post("/register", data=GOOD | {"language": "xx"}, headers={"Accept-Language": "ru"})
        en = english.post("/register", data=GOOD | {"language": "xx"}, headers={"Accept-Language": "en"})
        assert "Неверный вариант." in field_error(ru, "language")
        assert "Not a valid choice." in field_error(en, "language")
    assert account_count() == 0
