from datetime import timedelta

import pytest

from portal import clock
from tests import factories
from tests.accounts import emails_to, field_error, html_lang


def test_each_role_lands_on_its_own_home(client, db):
    homes = {"client": "/client/", "worker": "/worker/", "manager": "/manager/", "warehouse": "/warehouse/"}
    for role, home in homes.items():
        user = factories.user(role)
        response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
        assert response.status_code == 303
        assert response.headers["Location"] == home
        assert client.get(home).status_code == 200
        client.post("/logout")


def test_wrong_password_and_unknown_account_get_the_same_answer(client, db):
    user = factories.user("client")
    wrong = client.post("/login", data={"email": user.email, "password": "nope nope"})
    missing = client.post("/login", data={"email": "nobody@example.test", "password": "nope nope"})
    assert wrong.status_code == missing.status_code == 200
    assert b"Wrong email or password." in wrong.data
    assert wrong.data.count(b"Wrong email or password.") == missing.data.count(b"Wrong email or password.")


def test_eleventh_failure_in_15_minutes_gets_429_then_recovers(client, db):
    user = factories.user("client")
    clock.freeze(clock.now())
    for _ in range(10):
        assert client.post("/login", data={"email": user.email, "password": "bad password"}).status_code == 200
    throttled = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
    assert b"Too many failed sign-ins" in throttled.data
    clock.advance(timedelta(minutes=15, seconds=1))
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 303


def test_failures_from_one_address_throttle_other_accounts(app, client, db):
    clock.freeze(clock.now())
    for i in range(app.config["LOGIN_ADDRESS_FAILURE_LIMIT"]):
        client.post("/login", data={"email": f"guess{i}@example.test", "password": "bad password"})
    user = factories.user("client")
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 429
    # Another address is not concerned.
    elsewhere = client.post("/login", data={"email": user.email, "password": factories.PASSWORD},
                            environ_overrides={"REMOTE_ADDR": "198.51.100.20"})
    assert elsewhere.status_code == 303


def _sign_in_from(client, address, email, password):
    return client.post("/login", data={"email": email, "password": password},
                       environ_overrides={"REMOTE_ADDR": address})


def test_a_stranger_guessing_from_many_addresses_cannot_lock_the_owner_out(app, client, db):
    owner = factories.user("manager", language="ru")
    home = "203.0.113.5"
    assert _sign_in_from(client, home, owner.email, factories.PASSWORD).status_code == 303
    client.post("/logout")
    clock.freeze(clock.now())
    stranger = app.test_client()
    for n in range(25):  # from 25 addresses, more than the limit in all
        _sign_in_from(stranger, f"192.0.2.{n + 1}", owner.email, "a guess")
        clock.advance(timedelta(seconds=app.config["LOGIN_SLOW_SECONDS"]))

    # From where the owner signed in before: at once, whatever the stranger does.
    _sign_in_from(stranger, "192.0.2.99", owner.email, "a guess")
    assert _sign_in_from(client, home, owner.email, factories.PASSWORD).headers["Location"] == "/manager/"
    (alert,) = [e for e in emails_to(owner.email) if e.template == "login_failures"]
    assert alert.language == "ru" and "10" in alert.text_body


def test_from_a_new_address_the_owner_is_slowed_down_not_locked_out(app, client, db):
    owner = factories.user("client")
    clock.freeze(clock.now())
    stranger = app.test_client()
    for n in range(app.config["LOGIN_FAILURE_LIMIT"]):
        _sign_in_from(stranger, f"192.0.2.{n + 1}", owner.email, "a guess")
    _sign_in_from(stranger, "192.0.2.50", owner.email, "a guess")  # takes this interval's one check

    slowed = _sign_in_from(client, "198.51.100.30", owner.email, factories.PASSWORD)
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == str(app.config["LOGIN_SLOW_SECONDS"])
    assert "slowed down" in slowed.get_data(as_text=True)

    clock.advance(timedelta(seconds=app.config["LOGIN_SLOW_SECONDS"] + 1))
    assert _sign_in_from(client, "198.51.100.30", owner.email, factories.PASSWORD).status_code == 303
    assert [e.template for e in emails_to(owner.email)] == ["login_failures"]  # one email, not one per guess


def test_a_cookie_copied_before_logout_is_useless_after(app, client, db):
    user = factories.user("manager")
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    stolen = client.get_cookie("mcf_session").value
    assert client.get("/manager/").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("mcf_session", stolen)
    response = thief.get("/manager/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_identity_rotates_at_login(app, client, db):
    user = factories.user("client")
    client.post("/language", data={"language": "ru", "next": "/login"})  # a visitor's session
    planted = client.get_cookie("mcf_session").value

    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})

    assert client.get_cookie("mcf_session").value != planted
    assert html_lang(client.get("/client/")) == "en"  # the account's language wins now
    # Whoever knew the visitor's cookie (session fixation) is still just a visitor.
    fixer = app.test_client()
    fixer.set_cookie("mcf_session", planted)
    assert fixer.get("/client/").headers["Location"].startswith("/login")


def test_deactivated_account_cannot_sign_in_and_is_signed_out(app, client, db, login_as):
    from portal import people

    worker = factories.user("worker")
    other = app.test_client()
    other.post("/login", data={"email": worker.email, "password": factories.PASSWORD})
    assert other.get("/worker/").status_code == 200
    manager = login_as("manager")
    people.set_active(worker.id, False, by=manager)
    cut_off = other.get("/worker/")
    assert cut_off.status_code == 302
    told = other.get(cut_off.headers["Location"]).get_data(as_text=True)
    assert "This account is deactivated." in told
    assert "This account is deactivated." not in other.get("/login").get_data(as_text=True)  # said once

    response = other.post("/login", data={"email": worker.email, "password": factories.PASSWORD})
    assert "This account is deactivated." in response.get_data(as_text=True)
    assert other.get("/worker/").status_code == 302
    guessed = other.post("/login", data={"email": worker.email, "password": "not the password"})
    assert "Wrong email or password." in guessed.get_data(as_text=True)


def test_after_signing_in_the_visitor_comes_back_to_the_page_they_asked_for(client, db):
    user = factories.user("manager")
    gate = client.get("/manager/people?role=worker")
    assert gate.headers["Location"] == "/login?next=/manager/people?role%3Dworker"

    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "next": "/manager/people?role=worker"})

    assert response.headers["Location"] == "/manager/people?role=worker"


@pytest.mark.parametrize("target", ["//evil.test/", "/\\evil.test/", "https://evil.test/"])
def test_signing_in_never_sends_anyone_to_another_site(client, db, target):
    user = factories.user("client")

    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "next": target})

    assert response.headers["Location"] == "/client/"


def test_an_htmx_request_without_a_session_is_told_to_go_to_the_login_page(client, db):
    response = client.get("/manager/people?q=tom", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_another_role_gets_a_clear_403_page(client, db, login_as):
    login_as("client")

    response = client.get("/manager/people")

    assert response.status_code == 403
    assert b"You are not allowed here" in response.data


def test_a_login_form_with_empty_fields_says_what_is_missing(client, db):
    response = client.post("/login", data={"email": "", "password": ""})

    assert field_error(response, "email") == "Enter your email."
    assert field_error(response, "password") == "Enter your password."


def test_the_throttled_page_comes_back_to_an_htmx_login_form_too(client, db):
    clock.freeze(clock.now())
    for _ in range(10):
        client.post("/login", data={"email": "tom@example.test", "password": "bad password"})

    response = client.post("/login", data={"email": "tom@example.test", "password": "bad password"},
                           headers={"HX-Request": "true"})

    assert response.status_code == 429
    assert b"Too many failed sign-ins. Please wait 15 minutes and try again." in response.data
    assert b"<html" not in response.data


def test_in_demo_mode_the_login_page_lists_every_demo_account_the_readme_lists(client, db, app):
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[3] / "README.md").read_text()
    listed = set(re.findall(r"`([a-z.]+@mcf\.test)`", readme))
    assert len(listed) == 12
    app.config["DEMO"] = True
    try:
        page = client.get("/login").get_data(as_text=True)
    finally:
        app.config["DEMO"] = False
    assert {email for email in listed if email in page} == listed
