"""Platform guards on every route: CSRF, security headers, no inline code, cookies, redirects."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal import config
from portal.app import create_app
from portal.db import db as _db
from tests import factories
from tests.authz_matrix import browser, unsafe_methods, url_of, who_may_open

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CSRF_REFUSED = b"Your form expired or came from elsewhere"


def csrf_token_of(client) -> str:
    """The token a page gives htmx (``hx-headers`` on <body>) and its forms (hidden input)."""
    page = client.get("/careers/").get_data(as_text=True)
    header = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    field = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert header == field
    return header


def unsafe_routes(app):
    """(rule, method) for every route that changes something."""
    return [(rule, method) for rule in app.url_map.iter_rules() for method in unsafe_methods(rule)]


# -- CSRF ----------------------------------------------------------------------------------

def test_every_unsafe_route_refuses_a_request_without_the_csrf_token(app, db):
    refused_too_little = []
    for rule, method in unsafe_routes(app):
        client, user = browser(app, who_may_open(rule.endpoint))  # CSRF still off to sign in
        path = url_of(rule, user)
        app.config["WTF_CSRF_ENABLED"] = True
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(path, method=method, data={}, headers=headers)
            if response.status_code != 403 or CSRF_REFUSED not in response.data:
                refused_too_little.append(f"{method} {path} {headers}: {response.status_code}")
        app.config["WTF_CSRF_ENABLED"] = False
    assert unsafe_routes(app), "the portal has forms; the list of unsafe routes cannot be empty"
    assert not refused_too_little, "\n".join(refused_too_little)


def test_every_unsafe_route_accepts_the_token_htmx_sends(app, db):
    rejected = []
    for rule, method in unsafe_routes(app):
        client, user = browser(app, who_may_open(rule.endpoint))
        path = url_of(rule, user)
        app.config["WTF_CSRF_ENABLED"] = True
        headers = {"HX-Request": "true", "X-CSRFToken": csrf_token_of(client)}
        response = client.open(path, method=method, data={}, headers=headers)
        if response.status_code == 403:
            rejected.append(f"{method} {path}: 403")
        app.config["WTF_CSRF_ENABLED"] = False
    assert not rejected, "\n".join(rejected)


def test_a_plain_form_with_the_pages_token_goes_through(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token_of(client)
    response = client.post("/language", data={"csrf_token": token, "language": "ru", "next": "/careers/"})
    assert response.status_code == 302 and response.headers["Location"] == "/careers/"
    assert '<html lang="ru"' in client.get("/careers/").get_data(as_text=True)


def test_a_token_from_another_session_is_refused(app, db):
    stranger = app.test_client()
    victim = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token_of(stranger)
    victim.get("/careers/")
    response = victim.post("/language", data={"csrf_token": token, "language": "ru", "next": "/"})
    assert response.status_code == 403


# -- Headers and inline code ---------------------------------------------------------------

class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, styles and event handlers."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script":
            self._in_inline_script = "src" not in names
            if self._in_inline_script:
                self.problems.append("<script> without src")
            elif not str(names["src"]).startswith(("/static/", "{{ url_for('static'", "{{ static_url('")):
                self.problems.append(f"script from elsewhere: {names['src']}")
        for name, value in attrs:
            if name == "style" or name.startswith(("on", "hx-on")):
                self.problems.append(f'<{tag} {name}="{value}">')
            if (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f'<{tag} {name}="{value}">')

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    return {parts[0]: parts[1:] for parts in (d.split() for d in policy.split(";")) if parts}


def header_problems(response) -> list[str]:
    problems = []
    csp = csp_directives(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None or not set(scripts) <= {"'self'", "'none'"}:
        problems.append(f"script-src {scripts}")
    if "frame-ancestors" not in csp:
        problems.append("no frame-ancestors")
    if response.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"):
        problems.append(f"Referrer-Policy {response.headers.get('Referrer-Policy')}")
    return problems


def every_response(app):
    """Every GET route as someone allowed to see it, as a page and as an htmx fragment,
    plus the error pages; yields (label, response)."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        client, user = browser(app, who_may_open(rule.endpoint))
        path = url_of(rule, user)
        for label, headers in (("page", {}), ("fragment", {"HX-Request": "true"})):
            yield f"{label} {path}", client.get(path, headers=headers)
    worker = browser(app, "worker").client
    yield "403 page", worker.get("/manager/")
    yield "404 page", worker.get("/no/such/page")
    app.config["WTF_CSRF_ENABLED"] = True
    yield "CSRF page", worker.post("/language", data={"language": "ru"})
    app.config["WTF_CSRF_ENABLED"] = False


def test_every_html_response_has_the_security_headers_and_no_inline_code(app, db):
    problems, pages = [], 0
    for label, response in every_response(app):
        if response.headers.get("X-Content-Type-Options") != "nosniff":
            problems.append(f"{label}: no X-Content-Type-Options: nosniff")  # images, JSON too
        if response.mimetype != "text/html":
            continue
        pages += 1
        problems += [f"{label}: {p}" for p in header_problems(response)]
        # An email body is shown as sent, in a sandbox without scripts (its CSP says so):
        # emails may carry inline styles, pages may not.
        if "sandbox" not in csp_directives(response):
            problems += [f"{label}: {p}" for p in inline_code(response.get_data(as_text=True))]
    assert pages > 20
    assert not problems, "\n".join(problems)


def test_no_page_template_carries_inline_code():
    """Also the templates no test renders (emails are not pages: they may style inline)."""
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if "emails" in path.relative_to(TEMPLATES).parts:
            continue
        problems += [f"{path.relative_to(TEMPLATES)}: {p}" for p in inline_code(path.read_text())]
    assert not problems, "\n".join(problems)


def test_htmx_is_configured_for_the_strict_csp(client):
    page = client.get("/login").get_data(as_text=True)
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    assert meta, "the htmx-config meta tag is missing"
    settings = json.loads(meta.group(1))
    assert settings["allowEval"] is False  # hx-on, hx-vars, trigger filters would need eval
    assert settings["includeIndicatorStyles"] is False  # htmx would inject a <style>
    assert settings["allowScriptTags"] is False
    htmx = re.search(r'<script src="(/static/vendor/htmx-[\d.]+\.min\.js)"', page).group(1)
    assert client.get(htmx).status_code == 200  # vendored: the portal works offline


# -- Cookies -------------------------------------------------------------------------------

def session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("mcf_session=")]
    assert cookies, "no session cookie was set"
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_lax(client, db):
    user = factories.user("client")
    cookie = session_cookie(client.post("/login", data={"email": user.email, "password": factories.PASSWORD}))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # tests run over plain HTTP, like the local demo


def test_the_local_demo_sends_the_cookie_over_plain_http(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DEMO", raising=False)
    monkeypatch.delenv("COOKIE_SECURE", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    settings = config.load()
    assert settings["DEMO"] is True
    assert settings["SESSION_COOKIE_SECURE"] is False


@pytest.fixture
def production_app(app, monkeypatch, tmp_path):
    """The portal as an operator runs it (SECRET_KEY set, not a demo), on the test database.

    Built as the applicant site alone, so the background jobs keep running in the
    session app's context."""
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.delenv("DEMO", raising=False)
    monkeypatch.delenv("COOKIE_SECURE", raising=False)
    production = create_app({
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path),
        "PASSWORD_TIME_COST": app.config["PASSWORD_TIME_COST"],
        "PASSWORD_MEMORY_COST": app.config["PASSWORD_MEMORY_COST"],
    }, roles="applicants")
    yield production
    with production.app_context():
        _db.engine.dispose()


def test_outside_the_demo_the_session_cookie_is_secure(production_app):
    assert not production_app.config["DEMO"]
    response = production_app.test_client().get("/careers/")
    cookie = session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# -- Redirects stay on this site -----------------------------------------------------------

HOSTILE_NEXT = ["//evil.example/", "/\\evil.example/", "/\t/evil.example/", "https://evil.example/",
                "javascript:alert(1)", "/\\/evil.example"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_the_language_switch_never_sends_you_to_another_site(client, target):
    response = client.post("/language", data={"language": "ru", "next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_signing_in_never_sends_you_to_another_site(client, db, target):
    user = factories.user("client")
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "next": target})
    assert response.headers["Location"] == "/client/"


def test_signing_in_brings_you_back_to_the_page_you_asked_for(client, db):
    user = factories.user("manager")
    asked = client.get("/manager/people?role=worker")
    assert asked.headers["Location"] == "/login?next=/manager/people?role%3Dworker"
    response = client.post(asked.headers["Location"],
                           data={"email": user.email, "password": factories.PASSWORD, "next": "/manager/people?role=worker"})
    assert response.headers["Location"] == "/manager/people?role=worker"
