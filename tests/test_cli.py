"""The command line: the first manager comes from ``flask --app wsgi create-manager EMAIL``."""

from tests import factories
from tests.accounts import find_account, published


def test_create_manager_asks_for_the_password_twice_and_the_manager_can_sign_in(app, client, db):
    result = app.test_cli_runner().invoke(
        args=["create-manager", "Boss@Example.test"], input="a long secret\na long secret\n")

    assert result.exit_code == 0, result.output
    assert "Password for the new manager:" in result.output
    assert "Repeat for confirmation:" in result.output
    assert "manager boss@example.test created" in result.output
    assert "a long secret" not in result.output  # the prompt does not echo it
    manager = find_account("boss@example.test")
    assert (manager.role, manager.name) == ("manager", "boss")
    assert published("manager.created")[0]["user_id"] == manager.id
    response = client.post("/login", data={"email": "boss@example.test", "password": "a long secret"})
    assert response.headers["Location"] == "/manager/"


def test_a_name_can_be_given(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-manager", "boss@example.test", "--name", "Marquise Whiskers"],
        input="a long secret\na long secret\n")

    assert result.exit_code == 0, result.output
    assert find_account("boss@example.test").name == "Marquise Whiskers"


def test_a_taken_email_is_a_clear_error(app, db):
    factories.user("client", email="boss@example.test")

    result = app.test_cli_runner().invoke(
        args=["create-manager", "BOSS@example.test"], input="a long secret\na long secret\n")

    assert result.exit_code == 1
    assert "Error: An account with this email already exists." in result.output
    assert find_account("boss@example.test").role == "client"


def test_a_short_password_or_a_bad_email_is_refused(app, db):
    runner = app.test_cli_runner()

    short = runner.invoke(args=["create-manager", "boss@example.test"], input="short\nshort\n")
    bad_email = runner.invoke(args=["create-manager", "boss"], input="a long secret\na long secret\n")

    assert short.exit_code == bad_email.exit_code == 1
    assert "Error: Use 8 to 200 characters." in short.output
    assert "Error: This does not look like an email address." in bad_email.output
    assert find_account("boss@example.test") is None


def test_passwords_that_differ_are_asked_again(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-manager", "boss@example.test"],
        input="a long secret\nanother secret\na long secret\na long secret\n")

    assert result.exit_code == 0, result.output
    assert "Error: The two entered values do not match." in result.output
    assert find_account("boss@example.test") is not None
