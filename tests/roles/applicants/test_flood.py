"""Flood defence, tested as a flood would meet it: limits per real client address, 413, 429 pages."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.app import create_app
from portal.applicants.models import Application
from portal.db import db as _db
from tests.authz_matrix import sample
from tests.roles.applicants.conftest import send

CLOUDFLARE = "173.245.48.0/20"  # one of Cloudflare's published ranges


@pytest.fixture
def limits(app):
    """A small submission limit, and a trusted proxy network, for this test only."""
    saved = {key: app.config[key] for key in ("APPLY_SUBMISSION_LIMIT", "TRUSTED_PROXIES")}
    app.config.update(APPLY_SUBMISSION_LIMIT="3 per hour", TRUSTED_PROXIES=[CLOUDFLARE])
    yield
    app.config.update(saved)


def _statuses(client, apply_form, n, **kw):
    return [send(client, apply_form(), **kw).status_code for _ in range(n)]


def _applications(db):
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(Application))


def test_the_submission_after_the_limit_gets_a_friendly_429_with_retry_after(client, db, apply_form, limits):
    assert _statuses(client, apply_form, 3) == [303, 303, 303]
    response = send(client, apply_form())
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    page = response.get_data(as_text=True)
    assert "Too many requests" in page and "Please wait" in page
    assert _applications(db) == 3
    # Reading pages is counted apart from sending: the form still opens.
    assert client.get("/careers/apply", environ_overrides={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200


def test_a_spoofed_cf_connecting_ip_from_an_untrusted_peer_changes_nothing(client, db, apply_form, limits):
    codes = [send(client, apply_form(), headers={"CF-Connecting-IP": f"192.0.2.{i}"}).status_code
             for i in range(4)]
    assert codes == [303, 303, 303, 429]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(client, db, apply_form, limits):
    proxy = "173.245.48.10"
    first = _statuses(client, apply_form, 4, address=proxy, headers={"CF-Connecting-IP": "198.51.100.1"})
    second = _statuses(client, apply_form, 3, address=proxy, headers={"CF-Connecting-IP": "198.51.100.2"})
    assert first == [303, 303, 303, 429]
    assert second == [303, 303, 303]


def test_page_views_are_limited_per_minute_too(client, db, app):
    app.config["APPLICANT_PAGE_LIMIT"] = "5 per minute"
    try:
        codes = [client.get("/careers/", environ_overrides={"REMOTE_ADDR": "203.0.113.50"}).status_code
                 for _ in range(6)]
        other = client.get("/careers/", environ_overrides={"REMOTE_ADDR": "203.0.113.51"}).status_code
    finally:
        app.config["APPLICANT_PAGE_LIMIT"] = "120 per minute"
    assert codes == [200] * 5 + [429]
    assert other == 200


class _Body(io.RawIOBase):
    """A request body that counts what the server reads of it."""

    def __init__(self, size):
        self.size, self.read_bytes = size, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def test_an_oversized_body_gets_413_without_being_read(client, db, app):
    size = app.config["APPLY_MAX_BYTES"] + 1
    body = _Body(size)
    response = client.post("/careers/apply", content_type="multipart/form-data; boundary=x",
                           environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(size)})
    assert response.status_code == 413
    assert "That was too large" in response.get_data(as_text=True)
    assert body.read_bytes == 0
    assert _applications(db) == 0


def url_of(rule, user):
    return rule.build({arg: sample(rule, arg, user) for arg in rule.arguments})[1]


def test_the_applicant_site_alone_serves_nothing_else(app, db):
    """wsgi.applicants_app: every portal URL outside the applicant site is 404 there."""
    site = create_app({key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "PASSWORD_TIME_COST", "PASSWORD_MEMORY_COST")},
        roles="applicants")
    own = {"static", "index", "apply_shortcut", "set_language", "health.healthz", "health.readyz"}
    try:
        client = site.test_client()
        others = [rule for rule in app.url_map.iter_rules()
                  if rule.endpoint not in own and not rule.endpoint.startswith("applicants.")]
        assert others, "the full portal has other routes"
        for rule in others:
            path = url_of(rule, user=None)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                assert client.open(path, method=method).status_code == 404, f"{method} {path}"
        assert client.get("/careers/apply").status_code == 200
        assert client.get("/static/css/portal.css").status_code == 200
    finally:
        with site.app_context():
            _db.engine.dispose()
