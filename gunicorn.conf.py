"""gunicorn's settings for the portal; gunicorn reads ./gunicorn.conf.py by itself
(``gunicorn wsgi:app`` from the project directory), or name it with ``-c gunicorn.conf.py``.

Metrics: with PROMETHEUS_MULTIPROC_DIR set, every worker writes its counts to files there
and any worker's /metrics adds them all up (docs/operations.md, "Metrics and logs").
Logs: gunicorn's own lines (boot, worker restarts) in the portal's format, on stderr; no
access log, since the portal writes one line per request itself, with its request id.
"""

import os

_format = os.environ.get("LOG_FORMAT") or "json"

accesslog = None
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "portal": {"()": "portal.logs.JsonFormatter" if _format == "json" else "portal.logs.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "portal", "stream": "ext://sys.stderr"},
    },
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


def child_exit(server, worker):
    """A worker that exits leaves its files for the counters (their totals stay right); this
    tells prometheus_client it is gone, for the gauges that count live processes only."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
