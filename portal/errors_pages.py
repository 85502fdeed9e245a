"""Friendly error pages; a domain error becomes a clear message."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.db import db

TITLES = {
    400: "Bad request", 403: "Not allowed", 404: "Page not found", 405: "Not allowed",
    413: "Too large", 429: "Too many requests", 500: "Something went wrong",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return render_template("errors/error.html", code=403,
                               message=_("Your form expired or came from elsewhere. Reload the page and try again.")), 403

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        response = exc.get_response()
        if request.path.startswith("/static/"):
            return response
        response.data = render_template("errors/error.html", code=exc.code, message=None)
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return render_template("errors/error.html", code=500, message=None), 500
