"""Run every actor inside the Flask application's context, with a clean session."""

from __future__ import annotations

import threading

from dramatiq import Middleware

from portal.db import db

_state = threading.local()
_app = None


def set_app(app) -> None:
    global _app
    _app = app


def get_app():
    if _app is None:
        raise RuntimeError("jobs.init_app(app) was not called")
    return _app


class AppContext(Middleware):
    """Push an app context around each message; drop the session afterwards."""

    def before_process_message(self, broker, message):
        ctx = get_app().app_context()
        ctx.push()
        _state.ctx = ctx

    def _pop(self):
        ctx = getattr(_state, "ctx", None)
        if ctx is not None:
            try:
                db.session.remove()
            finally:
                ctx.pop()
                _state.ctx = None

    def after_process_message(self, broker, message, *, result=None, exception=None):
        self._pop()

    def after_skip_message(self, broker, message):
        self._pop()


# The demo's walk through time runs a keyed job here and now, with the clock stopped at its
# cut-off: work the job would fan out to messages must happen inline too, at that moment.
_walk = threading.local()


def in_walk() -> bool:
    return getattr(_walk, "on", False)


class walking:
    """``with walking(): job.fn(...)``: the job runs its fanned-out work in this thread."""

    def __enter__(self):
        self.was, _walk.on = in_walk(), True

    def __exit__(self, *exc):
        _walk.on = self.was
