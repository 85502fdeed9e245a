"""GET /metrics: only for the scraper holding the token; what it counts, and how it stays small."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from portal import clock, metrics
from portal.notifications import Email

TOKEN = "s3cret-scraper-token"
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def scraper(app, client):
    """``scraper()`` → {(name, frozenset(labels)): value} of one scrape with the right token."""
    app.config["METRICS_TOKEN"] = TOKEN

    def scrape() -> dict:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.data[:300]
        return parse(response.get_data(as_text=True))

    yield scrape
    app.config["METRICS_TOKEN"] = None


def parse(text: str) -> dict:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_without_a_configured_token_there_is_no_metrics_page(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 404


def test_a_missing_or_wrong_token_is_refused_and_shows_nothing(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    try:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                        {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": "Bearer токен"}):
            response = client.get("/metrics", headers=headers)
            assert response.status_code == 401, headers
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert b"portal_" not in response.data
        ok = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and ok.mimetype == "text/plain"
        assert b"# TYPE portal_http_requests_total counter" in ok.data
    finally:
        app.config["METRICS_TOKEN"] = None


def test_requests_are_counted_by_url_rule_and_status_not_by_raw_path(client, login_as, scraper):
    login_as("client")
    before = scraper()
    for order_id in (911_001, 911_002, 911_003):
        assert client.get(f"/client/orders/{order_id}").status_code == 404
    client.get("/no/such/page/42")
    client.get("/no/such/page/43")
    text_after = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    after = parse(text_after)
    rule = "/client/orders/<int:order_id>"
    counted = lambda s, **kw: value(s, "portal_http_requests_total", **kw)  # noqa: E731
    assert counted(after, route=rule, method="GET", status="404") - counted(before, route=rule, method="GET", status="404") == 3
    assert counted(after, route="unmatched", method="GET", status="404") - counted(
        before, route="unmatched", method="GET", status="404") == 2
    # The latency histogram saw the same three requests.
    timed = lambda s: value(s, "portal_http_request_duration_seconds_count", route=rule, method="GET")  # noqa: E731
    assert timed(after) - timed(before) == 3
    # No raw path became a label (a latency sum such as 1.70787691100122 may hold the digits).
    assert "/client/orders/911001" not in text_after and "/no/such" not in text_after


def test_emails_by_state_are_read_from_the_database_at_each_scrape(db, scraper):
    assert value(scraper(), "portal_emails", state="failed") == 0
    now = clock.now()
    db.session.execute(insert(Email), [
        dict(to=f"cat{i}@example.test", language="en", template="welcome", subject="Hi", text_body="Hi",
             html_body="<p>Hi</p>", state=state, attempts=1, created_at=now - timedelta(minutes=i))
        for i, state in enumerate(["failed", "failed", "kept", "retrying"])
    ])
    db.session.commit()
    samples = scraper()
    assert value(samples, "portal_emails", state="failed") == 2
    assert value(samples, "portal_emails", state="kept") == 1
    assert value(samples, "portal_emails", state="retrying") == 1
    assert ("portal_emails", frozenset({("state", "sent")})) in samples  # a state with none shows 0
    assert value(samples, "portal_collector_up", collector="EmailsCollector") == 1


class QueueDepths:
    """A stand-in for the operations page's collector."""

    def __init__(self):
        self.depth = 7

    def collect(self):
        family = GaugeMetricFamily("portal_test_queue_depth", "Messages waiting.", labels=["queue"])
        family.add_metric(["events"], self.depth)
        yield family


class Broken:
    def collect(self):
        raise RuntimeError("the database is down")
        yield  # pragma: no cover - a generator, as collectors are


def test_a_registered_collector_is_asked_at_every_scrape(scraper):
    depths = QueueDepths()
    metrics.register_collector(depths)
    metrics.register_collector(depths)  # twice: still one series (apps are built more than once)
    try:
        assert value(scraper(), "portal_test_queue_depth", queue="events") == 7
        depths.depth = 3
        assert value(scraper(), "portal_test_queue_depth", queue="events") == 3
    finally:
        metrics.unregister_collector(depths)
    assert ("portal_test_queue_depth", frozenset({("queue", "events")})) not in scraper()


def test_a_failing_collector_costs_only_its_own_metrics(scraper):
    broken = Broken()
    metrics.register_collector(broken)
    try:
        samples = scraper()
    finally:
        metrics.unregister_collector(broken)
    assert value(samples, "portal_collector_up", collector="Broken") == 0
    assert value(samples, "portal_collector_up", collector="EmailsCollector") == 1
    assert any(name == "portal_http_requests_total" for name, _ in samples)


def test_a_scrape_runs_the_same_queries_whatever_the_number_of_emails(app, db, client, count_queries):
    app.config["METRICS_TOKEN"] = TOKEN
    try:
        counts = []
        for n in (10, 1000):
            now = clock.now()
            db.session.execute(insert(Email), [
                dict(to="bulk@example.test", language="en", template="welcome", subject="Hi", text_body="Hi",
                     html_body="<p>Hi</p>", state=("kept", "failed", "queued", "sent")[i % 4], attempts=1,
                     created_at=now) for i in range(n)])
            db.session.commit()
            with count_queries() as queries:
                assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
            counts.append(queries.count)
        # Emails by state (1) and the operations collector's outbox and heartbeats (2).
        assert counts[0] == counts[1] == 3
    finally:
        app.config["METRICS_TOKEN"] = None


# Multiprocess mode, as under gunicorn and `dramatiq`: one process answers a request and runs a
# job with a real worker; another one, sharing the directory, scrapes and sees both.
_WORKING = """
import dramatiq
from portal.app import create_app
from jobs.broker import broker

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///%(db)s"})

@dramatiq.actor(queue_name="default", max_retries=0)
def feed_the_cat():
    pass

worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
worker.start()
feed_the_cat.send()
broker.join("default", timeout=20_000)
worker.join()
worker.stop()
assert app.test_client().get("/healthz").status_code == 200
"""

_SCRAPING = """
from prometheus_client.core import GaugeMetricFamily
from portal import metrics
from portal.app import create_app
from portal.db import db

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///%(db)s", "METRICS_TOKEN": "t"})
with app.app_context():
    db.create_all()

class Operations:
    def collect(self):
        family = GaugeMetricFamily("portal_test_workers_alive", "Workers alive.")
        family.add_metric([], 2)
        yield family

metrics.register_collector(Operations())
print(app.test_client().get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True))
"""


def _run(script: str, env: dict) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_in_multiprocess_mode_any_process_serves_every_process_counts(tmp_path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(PROMETHEUS_MULTIPROC_DIR=str(shared), INSTANCE_PATH=str(tmp_path))
    _run(_WORKING % {"db": tmp_path / "working.sqlite3"}, env)
    assert list(shared.glob("*.db")), "the working process left its counts in the shared directory"
    samples = parse(_run(_SCRAPING % {"db": tmp_path / "scraping.sqlite3"}, env))
    assert value(samples, "portal_jobs_total", actor="feed_the_cat", queue="default", outcome="succeeded") == 1
    assert value(samples, "portal_job_duration_seconds_count", actor="feed_the_cat", queue="default") == 1
    assert value(samples, "portal_http_requests_total", route="/healthz", method="GET", status="200") == 1
    assert value(samples, "portal_test_workers_alive") == 2
    assert value(samples, "portal_emails", state="queued") == 0
    assert value(samples, "portal_collector_up", collector="EmailsCollector") == 1


def test_a_scrape_shows_the_background_work_the_operations_page_shows(scraper):
    """Queues, outbox lag, scheduler and workers reach Prometheus too (OperationsCollector)."""
    found = scraper()
    assert found[("portal_collector_up", frozenset({("collector", "OperationsCollector")}))] == 1
    assert found[("mcf_jobs_broker_up", frozenset())] == 1
