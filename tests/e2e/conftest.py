"""Browser tests: the real portal on a loopback port, driven by Debian's Chromium.

One Chromium for the whole package, a fresh browser context (cookies, storage) per test.
The server is the session ``app`` (the same database the test sees), so a test can prepare
rows with the ``db`` fixture, then browse. Release the test's own DB session before
browsing (``db.session.commit()``): on SQLite an open transaction blocks the server's writes.
A test whose pages wait on background jobs asks for ``jobs_worker`` as well.

CSRF is on here, as in production: the browser sends the tokens the pages carry.
"""

from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

from tests.e2e.browsing import screenshot

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def live_server(app):
    """The base URL of the portal served from a background thread on a free loopback port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="package")
def browser():
    """Headless Chromium. A browser that cannot start fails the tests: it is never a skip."""
    from playwright.sync_api import Error, expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Error as exc:
        playwright.stop()
        pytest.fail(f"Chromium did not start from {CHROMIUM} (apt-get install chromium): {exc}", pytrace=False)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def _csrf_on(app):
    """The real browser sends the real tokens; conftest turns CSRF off again after the test."""
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def demo(app):
    """The demo accounts (password ``demo``) and demo mode, as ``make run`` shows them."""
    from portal import demo as demo_data
    from portal.db import db

    was_demo = app.config["DEMO"]
    app.config["DEMO"] = True
    with app.app_context():
        demo_data.load()
        db.session.remove()
    yield
    app.config["DEMO"] = was_demo


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so ``page`` knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, live_server, request):
    """A page in a fresh English browser context, on the live portal (``page.goto("/login")``).

    Fails the test on a JavaScript error or a Content-Security-Policy violation, which a user
    sees as a button that does nothing. A failed test leaves a screenshot in test-results/.
    """
    context = browser.new_context(base_url=live_server, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    page.on("console", on_console)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(page, request.node.name)
    context.close()
    assert not problems, "the browser reported:\n" + "\n".join(problems)

