"""A cat signs up as a client: clear messages next to the fields, or an account and a welcome."""

import pytest

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


def test_an_email_already_used_is_refused_whatever_its_case(client, db):
    factories.user("worker", email="tom@example.test")

    response = client.post("/register", data=GOOD | {"email": "  Tom@Example.TEST "})

    assert field_error(response, "email") == "An account with this email already exists."
    assert account_count() == 1
    assert emails_to("tom@example.test") == []


def test_an_htmx_submit_gets_only_the_form_back(client, db):
    response = client.post("/register", data=GOOD | {"email": "nope"}, headers={"HX-Request": "true"})

    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<form method="post" action="/register" id="register-form"')
    assert "<html" not in page
    assert field_error(response, "email")


def test_registering_signs_in_lands_on_the_dashboard_and_tells_the_others(client, db):
    response = client.post("/register", data=GOOD | {"email": "Tom@Example.test", "language": "ru"})

    assert response.status_code == 303 and response.headers["Location"] == "/client/"
    dashboard = client.get("/client/")
    assert dashboard.status_code == 200
    assert "Tom Tabby" in dashboard.get_data(as_text=True)

    user = find_account("tom@example.test")
    assert (user.role, user.name, user.address, user.language) == ("client", "Tom Tabby", "12 Catnip Lane", "ru")
    assert published("client.registered") == [{
        "user_id": user.id, "role": "client", "email": "tom@example.test", "name": "Tom Tabby",
        "address": "12 Catnip Lane", "language": "ru", "active": True,
    }]
    (welcome,) = emails_to("tom@example.test")
    assert welcome.template == "welcome" and welcome.language == "ru"
    assert "Tom Tabby" in welcome.text_body


def test_the_new_client_can_sign_in_again_with_the_password(client, db):
    client.post("/register", data=GOOD)
    client.post("/logout")

    response = client.post("/login", data={"email": "TOM@example.test", "password": GOOD["password"]})

    assert response.headers["Location"] == "/client/"


def test_a_signed_in_user_is_sent_home_from_the_register_page(client, db, login_as):
    login_as("worker")

    response = client.get("/register")

    assert response.status_code == 302 and response.headers["Location"] == "/worker/"
