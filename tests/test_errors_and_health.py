"""Friendly error pages, and the health checks a load balancer and a supervisor ask."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import OperationalError

from portal.errors import Conflict


@pytest.fixture
def stop_database(db, monkeypatch):
    """``stop_database()``: from then on every use of the database fails, as when its server is gone."""

    def refuse(*args, **kwargs):
        raise OperationalError("connect", {}, ConnectionRefusedError("database is down"))

    def stop():
        db.session.remove()
        monkeypatch.setattr(db.engine.pool, "connect", refuse)

    return stop


@pytest.fixture
def broken_page(monkeypatch):
    """Rendering a page (portal.htmx.render) blows up with a detail nobody should see."""

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr("portal.htmx.render_template", explode)


# -- 404 -----------------------------------------------------------------------------------

def test_an_unknown_address_gets_a_friendly_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "We could not find this page" in page
    assert 'href="/"' in page  # a way back to the start


def test_the_404_page_speaks_the_visitors_language_in_their_layout(client, login_as):
    login_as("client", language="ru")
    page = client.get("/client/no-such-thing").get_data(as_text=True)
    assert '<html lang="ru"' in page
    assert 'href="/client/"' in page  # the client's own navigation is still there
    assert 'action="/logout"' in page


# -- 500 -----------------------------------------------------------------------------------

def test_an_unexpected_error_gets_a_friendly_page_and_is_logged(client, broken_page, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/careers/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    for leak in ("Traceback", "RuntimeError", "hunter2", "portal/htmx.py"):
        assert leak not in page
    logged = [r for r in caplog.records if r.levelno == logging.ERROR and "GET /careers/" in r.getMessage()]
    assert logged and "hunter2" in str(logged[0].exc_info[1])  # the details go to the log


def test_an_unexpected_error_in_an_htmx_request_is_a_500_without_details(client, broken_page):
    response = client.get("/careers/", headers={"HX-Request": "true"})
    assert response.status_code == 500  # htmx does not swap it; portal.js says "try again"
    assert b"hunter2" not in response.data and b"Traceback" not in response.data


def test_with_the_database_down_a_signed_in_visitor_still_gets_a_friendly_page(client, login_as, stop_database,
                                                                               caplog):
    login_as("client")
    stop_database()
    with caplog.at_level(logging.ERROR):
        response = client.get("/client/", headers={"Accept-Language": "ru"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    assert '<html lang="ru"' in page  # the language still comes from the browser
    assert "<h1>" in page and 'href="/"' in page
    assert "OperationalError" not in page and "Traceback" not in page
    assert any("GET /client/" in r.getMessage() for r in caplog.records)


def test_a_refusal_no_view_caught_shows_its_message(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise Conflict("This order changed meanwhile. Reload the page.")

    monkeypatch.setattr("portal.htmx.render_template", refuse)
    response = client.get("/careers/")
    assert response.status_code == 409
    assert "This order changed meanwhile. Reload the page." in response.get_data(as_text=True)


# -- Health --------------------------------------------------------------------------------

def test_healthz_says_the_process_is_alive_even_without_the_database(client, stop_database):
    stop_database()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_checks_the_database_and_the_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "broker": "ok"}


def test_readyz_is_503_when_the_database_is_unreachable(client, stop_database):
    stop_database()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["database"].startswith("error")
    assert response.json["broker"] == "ok"


def test_readyz_is_503_when_the_broker_is_unreachable(app, client, monkeypatch):
    def ping():
        raise ConnectionError("redis is down")

    monkeypatch.setitem(app.extensions, "broker_ping", ping)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["database"] == "ok"
    assert response.json["broker"].startswith("error")
