"""Every route × every kind of visitor gets what tests/authz_matrix.py promises."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for

from portal.app import create_app
from portal.auth import HOME_ENDPOINTS
from portal.db import db as _db
from tests.authz_matrix import (
    ACCESS, ANONYMOUS, PUBLIC, SECRET_LINK, SIGNED_IN, VISITORS, WHO, browser, unsafe_methods, url_of,
)

# What a visitor gets from a route.
ALLOWED = "allowed"        # the page or action itself (or its own 404 / validation answer)
TO_LOGIN = "to login"      # sent to the login page
FORBIDDEN = "forbidden"    # 403
SENT_HOME = "sent home"    # a signed-in account is sent to its own home


def expected(access, who: str, method: str) -> set[str]:
    """The outcomes the matrix allows for ``who`` sending ``method`` to a route with ``access``."""
    if access == PUBLIC:
        # No gate; "/" sends everyone where they belong, logging out ends on the login page.
        return {ALLOWED, SENT_HOME} | ({TO_LOGIN} if method != "GET" else set())
    if access == SECRET_LINK:
        return {ALLOWED}
    if access == VISITORS:
        return {ALLOWED} if who == ANONYMOUS else {SENT_HOME}
    if who == ANONYMOUS:
        return {TO_LOGIN}
    if access == SIGNED_IN or who in access:
        # An action may end where the actor works: Post/Redirect/Get to their own home (the kits board).
        return {ALLOWED, SENT_HOME} if method != "GET" else {ALLOWED}
    return {FORBIDDEN}


def outcome(response, method: str, path: str, home: str | None) -> str:
    """Name what happened; anything unexpected (a crash) is reported as its status."""
    status = response.status_code
    if status == 403:
        return FORBIDDEN
    if status >= 500:
        return f"error {status}"
    if status in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers["Location"])
        # A page comes back after signing in; a form may not (it is not replayed).
        back_to = parse_qs(target.query).get("next")
        if target.path == "/login" and (back_to == [path] or (back_to is None and method != "GET")):
            return TO_LOGIN
        if target.path == home:
            return SENT_HOME
    return ALLOWED


def test_every_route_has_a_line_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - ACCESS.keys())
    stale = sorted(ACCESS.keys() - endpoints)
    assert not missing, f"routes without a line in tests/authz_matrix.py ACCESS: {missing}"
    assert not stale, f"lines in tests/authz_matrix.py ACCESS for routes that no longer exist: {stale}"


@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_route_lets_in_exactly_who_the_matrix_says(app, db, endpoint):
    access = ACCESS[endpoint]
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    if not rules:
        pytest.fail(f"{endpoint} has a line in tests/authz_matrix.py but no route")
    with app.test_request_context():
        homes = {role: url_for(endpoint) for role, endpoint in HOME_ENDPOINTS.items()}
    wrong = []
    for rule in rules:
        for who in WHO:
            client, user = browser(app, who)
            path = url_of(rule, user)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method, data={} if method in unsafe_methods(rule) else None)
                got, allowed = outcome(response, method, path, homes.get(who)), expected(access, who, method)
                if got not in allowed:
                    wrong.append(f"{method} {path} as {who}: {got} ({response.status_code}), "
                                 f"expected {' or '.join(sorted(allowed))}")
    assert not wrong, "\n".join(wrong)


def test_a_wrong_secret_link_opens_nothing(app, db):
    for rule in app.url_map.iter_rules():
        if ACCESS.get(rule.endpoint) != SECRET_LINK:
            continue
        fake = url_of(rule, token="not-a-real-link")
        response = app.test_client().get(fake)
        assert response.status_code in (404, 410), f"{fake}: {response.status_code}"
        assert response.mimetype == "text/html"


def test_the_applicant_site_alone_serves_nothing_behind_a_login(app):
    """wsgi.applicants_app faces the internet on its own: only public pages and secret links."""
    site = create_app({key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "PASSWORD_TIME_COST", "PASSWORD_MEMORY_COST")},
        roles="applicants")
    try:
        gated = sorted(rule.endpoint for rule in site.url_map.iter_rules()
                       if ACCESS.get(rule.endpoint) not in (PUBLIC, SECRET_LINK))
        assert not gated, f"the applicant site serves routes behind a login: {gated}"
        assert site.test_client().get("/").headers["Location"] == "/careers/"
    finally:
        with site.app_context():
            _db.engine.dispose()
