from datetime import timedelta

from portal import clock
from tests import factories


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


def test_failures_from_one_address_throttle_other_accounts(client, db):
    clock.freeze(clock.now())
    for i in range(10):
        client.post("/login", data={"email": f"guess{i}@example.test", "password": "bad password"})
    user = factories.user("client")
    assert client.post("/login", data={"email": user.email, "password": factories.PASSWORD}).status_code == 429


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
    client.get("/login")
    before = client.get_cookie("mcf_session")
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    after = client.get_cookie("mcf_session")
    assert before is None or before.value != after.value


def test_deactivated_account_cannot_sign_in_and_is_signed_out(app, client, db, login_as):
    from portal import people

    worker = factories.user("worker")
    other = app.test_client()
    other.post("/login", data={"email": worker.email, "password": factories.PASSWORD})
    assert other.get("/worker/").status_code == 200
    manager = login_as("manager")
    people.set_active(worker.id, False, by=manager)
    assert other.get("/worker/").status_code == 302
    response = other.post("/login", data={"email": worker.email, "password": factories.PASSWORD})
    assert b"Wrong email or password." in response.data
