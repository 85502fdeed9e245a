"""The flood gate: once the limiter has refused an address, its next requests are answered in
front of Flask (no request context, no session, no database), keyed exactly as the limiter keys."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import request_started

from portal import security
from tests.roles.applicants.conftest import send
from tests.roles.applicants.test_flood import CLOUDFLARE, _Body
from tests.waiting import wait_for

VISITOR = "203.0.113.20"
PROXY = "173.245.48.10"  # inside CLOUDFLARE


@pytest.fixture
def limits(app):
    """Two page views a minute, a trusted proxy network; for this test only."""
    saved = {key: app.config[key] for key in ("APPLICANT_PAGE_LIMIT", "APPLY_SUBMISSION_LIMIT", "TRUSTED_PROXIES")}
    app.config.update(APPLICANT_PAGE_LIMIT="2 per minute", TRUSTED_PROXIES=[CLOUDFLARE])
    yield app.config
    app.config.update(saved)


@contextmanager
def flask_requests(app):
    """``seen`` lists the requests Flask itself dispatched inside the block."""
    seen = []
    with request_started.connected_to(lambda sender, **kw: seen.append(1), app):
        yield seen


def view(client, address=VISITOR, **headers):
    return client.get("/careers/", environ_overrides={"REMOTE_ADDR": address}, headers=headers)


def refused_once(client, address=VISITOR, **headers):
    """Use up the page views until the limiter itself refuses one."""
    codes = [view(client, address, **headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_an_address_over_the_limit_is_answered_before_flask_in_its_language(app, client, db, limits,
                                                                           count_queries):
    refused_once(client)
    with flask_requests(app) as seen, count_queries() as queries:
        response = view(client, **{"Accept-Language": "ru,en;q=0.5"})
    assert response.status_code == 429
    assert seen == [] and queries.count == 0
    assert "Set-Cookie" not in response.headers
    assert 0 < int(response.headers["Retry-After"]) <= 60
    for name, value in security.headers(app).items():
        assert response.headers[name] == value
    page = response.get_data(as_text=True)
    assert '<html lang="ru">' in page and "Слишком много запросов" in page
    assert "Too many requests" in view(client, **{"Accept-Language": "en-GB"}).get_data(as_text=True)


def test_only_the_refused_page_and_method_are_gated(app, client, db, limits, apply_form):
    limits.update(APPLICANT_PAGE_LIMIT="120 per minute", APPLY_SUBMISSION_LIMIT="1 per hour")
    assert [send(client, apply_form(), address=VISITOR).status_code for _ in range(2)] == [303, 429]
    body = _Body(1_000_000)
    with flask_requests(app) as seen:
        flood = client.post("/careers/apply", content_type="multipart/form-data; boundary=x",
                            environ_overrides={"REMOTE_ADDR": VISITOR, "wsgi.input": body,
                                               "CONTENT_LENGTH": str(body.size)})
    assert flood.status_code == 429 and seen == [] and body.read_bytes == 0
    # The form itself still opens: reading is limited apart from sending.
    assert client.get("/careers/apply", environ_overrides={"REMOTE_ADDR": VISITOR}).status_code == 200


def test_a_spoofed_cf_connecting_ip_from_an_untrusted_peer_is_still_the_peer(app, client, db, limits):
    refused_once(client, **{"CF-Connecting-IP": "192.0.2.1"})
    with flask_requests(app) as seen:
        spoofed = view(client, **{"CF-Connecting-IP": "192.0.2.2"})
    assert spoofed.status_code == 429 and seen == []
    assert view(client, "203.0.113.21").status_code == 200


def test_behind_a_trusted_proxy_each_client_address_is_gated_on_its_own(app, client, db, limits):
    refused_once(client, PROXY, **{"CF-Connecting-IP": "198.51.100.1"})
    with flask_requests(app) as seen:
        assert view(client, PROXY, **{"CF-Connecting-IP": "198.51.100.1"}).status_code == 429
    assert seen == []
    assert view(client, PROXY, **{"CF-Connecting-IP": "198.51.100.2"}).status_code == 200


def test_after_the_window_the_address_may_submit_again(app, client, db, limits, apply_form):
    # The limiter counts on the wall clock: a five-second window lets the test wait for it,
    # and is long enough that three sends fit inside it on a loaded machine (two seconds did not).
    limits["APPLY_SUBMISSION_LIMIT"] = "1 per 5 seconds"
    assert [send(client, apply_form()).status_code for _ in range(3)] == [303, 429, 429]
    wait_for(lambda: send(client, apply_form()).status_code == 303, timeout=15,
             message="the submission window to pass")
