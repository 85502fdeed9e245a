"""Log lines: one JSON object a line in production, text in the embedded demo.

Every line carries the request id of the user's action that caused it: a web request takes
the id from a trusted ``X-Request-ID`` header or makes one, returns it in the response, and
everything the request causes (outbox events, Dramatiq messages, the jobs that handle them)
logs under the same id. The id lives in a context variable, so each request thread and each
worker thread has its own; ``jobs.telemetry`` carries it across the broker.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from flask import Flask, g, has_app_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What a trusted proxy may hand us: short and plain (it is printed in every log line).
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# The context fields every log record gets (None when not known here).
FIELDS = ("request_id", "user_id", "actor", "message_id")

_context: ContextVar[dict] = ContextVar("portal_log_context", default={})
requests_log = logging.getLogger("portal.requests")


def current() -> dict:
    """The log context of this thread: request id, and actor and message id in a job."""
    return _context.get()


def request_id() -> str | None:
    return _context.get().get("request_id")


def bind(**fields) -> dict:
    """Add ``fields`` to this thread's log context; returns the context before, for ``restore``."""
    before = _context.get()
    _context.set({**before, **fields})
    return before


def restore(before: dict) -> None:
    _context.set(before)


@contextmanager
def bound(**fields):
    """``with bound(request_id=…):`` logs inside carry these fields."""
    before = bind(**fields)
    try:
        yield
    finally:
        restore(before)


def new_request_id() -> str:
    return uuid.uuid4().hex


def trusted_request_id(header: str | None) -> str | None:
    """The header's id when it has the expected shape, else None (a new one is made)."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return None


def _signed_in_user_id() -> int | None:
    """The id of the user this request loaded, if any, without loading one (no query here)."""
    if not has_app_context():
        return None
    user = g.get("_login_user")  # where Flask-Login keeps the user it loaded for this request
    if user is None:
        return None
    from sqlalchemy import inspect

    state = inspect(user, raiseerr=False)  # None for the anonymous user
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def _record_factory(previous):
    def make(*args, **kwargs):
        record = previous(*args, **kwargs)
        context = _context.get()
        for name in FIELDS:
            setattr(record, name, context.get(name))
        if record.user_id is None:
            record.user_id = _signed_in_user_id()
        return record

    make.portal_context = True
    return make


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, real wall time), level, logger, message, request_id,
    user_id / actor / message_id when known, fields passed with ``extra=``, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            # The wall clock, not portal.clock: a moved demo clock must not move log times.
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name in FIELDS[1:]:
            if (value := getattr(record, name, None)) is not None:
                entry[name] = value
        for name, value in vars(record).items():
            if name not in _STANDARD and name not in entry and name not in FIELDS:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The embedded demo's console: readable lines, the request id short."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s%(context)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = [f"{name}={value}" for name in FIELDS if (value := getattr(record, name, None)) is not None]
        record.context = f" [{' '.join(parts)}]" if parts else ""
        return super().format(record)


def formatter_for(name: str) -> logging.Formatter:
    return JsonFormatter() if name == "json" else TextFormatter()


def configure(log_format: str, level: str = "INFO", *, add_handler: bool = True) -> None:
    """Give every record the context fields and format the process's console lines.

    Handlers someone else put on the root logger as plain stream handlers (Dramatiq's worker
    processes, gunicorn's ``logconfig_dict``) get our formatter instead of a second handler,
    so a line is never written twice; test runners' capturing handlers are left alone.
    """
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "portal_context", False):
        logging.setLogRecordFactory(_record_factory(factory))
    root = logging.getLogger()
    consoles = [h for h in root.handlers if type(h) is logging.StreamHandler]
    if not consoles and add_handler:
        consoles = [logging.StreamHandler(sys.stderr)]
        root.addHandler(consoles[0])
    for handler in consoles:
        handler.setFormatter(formatter_for(log_format))
    if add_handler:
        root.setLevel(level)


def init_app(app: Flask) -> None:
    """Request ids in and out of every request, and one line per request in JSON mode."""
    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"], add_handler=not app.testing)
    access_lines = app.config["LOG_FORMAT"] == "json"  # text mode: the demo server prints its own

    def _begin():
        header = request.headers.get(REQUEST_ID_HEADER) if app.config["TRUST_REQUEST_ID"] else None
        rid = trusted_request_id(header) or new_request_id()
        g.request_id = rid
        g.log_context_before = bind(request_id=rid)
        g.request_began = time.perf_counter()

    # First of all: the gates and checks that run before a view log under the id too.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)

    @app.after_request
    def _stamp(response):
        rid = g.get("request_id")
        if rid:
            response.headers[REQUEST_ID_HEADER] = rid
            if access_lines:
                rule = request.url_rule.rule if request.url_rule else None
                ms = round((time.perf_counter() - g.request_began) * 1000, 1)
                requests_log.info(
                    "%s %s %s in %s ms", request.method, request.path, response.status_code, ms,
                    extra={"method": request.method, "path": request.path, "route": rule,
                           "status": response.status_code, "duration_ms": ms},
                )
        return response

    @app.teardown_request
    def _end(exc):
        before = g.pop("log_context_before", None)
        if before is not None:
            restore(before)
