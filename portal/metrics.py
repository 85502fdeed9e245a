"""Prometheus metrics, served at ``GET /metrics`` to a scraper holding ``METRICS_TOKEN``.

Under gunicorn and Dramatiq many processes count: with ``PROMETHEUS_MULTIPROC_DIR`` set
(before the process starts) each one writes its counts to files in that directory and
``/metrics`` adds up every file, so any web process answers for all the web and worker
processes sharing the directory. Without it (the embedded mode, tests) a plain registry in
this process holds the counts. Figures read from the database at scrape time (emails by
state, the operations page's queue depths and lags) are collectors registered with
``register_collector``; they are asked at each scrape, in the scraping request.
"""

from __future__ import annotations

import hmac
import logging
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
disable_created_metrics()  # the *_created series double the page and no dashboard of ours reads them

# What /metrics shows. In multiprocess mode the metrics below are registered nowhere: their
# values go to the shared files, which the MultiProcessCollector reads at each scrape.
registry = CollectorRegistry()
if MULTIPROCESS:
    from prometheus_client import multiprocess

    multiprocess.MultiProcessCollector(registry)
_own = None if MULTIPROCESS else registry

# Label values are bounded: routes are URL rules ("/client/orders/<int:order_id>"), never
# raw paths, and an unmatched path (a 404 on any URL a visitor types) is one label.
UNMATCHED = "unmatched"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

http_requests = Counter(
    "portal_http_requests", "Web requests answered, by URL rule, method and status.",
    ["route", "method", "status"], registry=_own,
)
http_latency = Histogram(
    "portal_http_request_duration_seconds", "Time to answer a web request, by URL rule and method.",
    ["route", "method"], registry=_own,
)
jobs = Counter(
    "portal_jobs", "Background job messages handled, by actor, queue and outcome "
    "(succeeded, failed: retried later or dead, skipped: too old or already failed).",
    ["actor", "queue", "outcome"], registry=_own,
)
job_duration = Histogram(
    "portal_job_duration_seconds", "Time a background job took, by actor and queue.",
    ["actor", "queue"], registry=_own,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600),
)

_collectors: list = []


def register_collector(collector) -> None:
    """Ask ``collector`` (an object whose ``collect()`` yields metric families) at every
    scrape, in the scraping request: it may read the database. One collector of each class:
    an app built again in the same process (tests, a reloader) replaces its predecessor's."""
    _collectors[:] = [c for c in _collectors if type(c) is not type(collector)]
    _collectors.append(collector)


def unregister_collector(collector) -> None:
    _collectors[:] = [c for c in _collectors if c is not collector]


class _Collected:
    """The registered collectors, each asked on its own: one that fails (the database is
    down) is reported by ``portal_collector_up`` and leaves the other metrics scraped."""

    def collect(self):
        up = GaugeMetricFamily("portal_collector_up", "1 when this collector answered the last scrape, 0 when it "
                               "failed (its metrics are missing; the log says why).", labels=["collector"])
        for collector in list(_collectors):
            name = type(collector).__name__
            try:
                families = list(collector.collect())
            except Exception:  # noqa: BLE001 - a scrape shows what it can
                log.warning("metrics collector %s failed", name, exc_info=True)
                _rollback()
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


def _rollback() -> None:
    from portal.db import db

    db.session.rollback()


registry.register(_Collected())


class EmailsCollector:
    """Emails by delivery state, counted in the database at scrape time (one query)."""

    def collect(self):
        from portal import notifications

        counts = notifications.counts_by_state()
        family = GaugeMetricFamily("portal_emails", "Emails by delivery state, now.", labels=["state"])
        for state in notifications.EMAIL_STATES:
            family.add_metric([state], counts.get(state, 0))
        yield family


register_collector(EmailsCollector())

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape():
    """Every metric in Prometheus's text format, for the scraper holding the token."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)  # not configured: the route does not exist for anyone
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return Response("a bearer token is required\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'},
                        mimetype="text/plain")
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Count every request by its URL rule and status, and serve /metrics."""

    def _start():
        g.metrics_began = time.perf_counter()

    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _count(response):
        began = g.get("metrics_began")
        if began is not None:
            route = request.url_rule.rule if request.url_rule else UNMATCHED
            method = request.method if request.method in METHODS else "other"
            http_requests.labels(route, method, str(response.status_code)).inc()
            http_latency.labels(route, method).observe(time.perf_counter() - began)
        return response

    app.register_blueprint(bp)
