"""Friendly error pages in the visitor's language and layout; never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RequestRedirect

from portal.db import db
from portal.errors import DomainError
from portal.i18n import LANGUAGES

# When even the error page fails (the layout asks the database who is signed in, and the
# database may be what broke), this plain page is what is left: no layout, no database.
BARE_500 = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} · MCF</title>
<link rel="stylesheet" href="{css}"></head>
<body><main class="container"><h1>{title}</h1><p>{text}</p><p><a href="/">MCF</a></p></main></body>
</html>
"""


def _bare_500() -> str:
    """The page of last resort, in the visitor's language as far as it is known without the database."""
    lang = session.get("lang")
    if lang not in LANGUAGES:
        lang = request.accept_languages.best_match(list(LANGUAGES)) or "en"
    with force_locale(lang):
        return BARE_500.format(
            lang=lang, css=url_for("static", filename="css/portal.css"),
            title=escape(_("Something went wrong on our side")),
            text=escape(_("We have logged the problem and will look at it. Please try again in a moment.")),
        )


def page_above(path: str) -> str | None:
    """The nearest URL above ``path`` that answers GET: ``/worker/orders/38`` for
    ``/worker/orders/38/check-in``, ``/client/billing`` for ``/client/billing/card/remove``."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        try:
            adapter.match(candidate, method="GET")
        except RequestRedirect:  # /warehouse → /warehouse/
            return candidate + "/"
        except HTTPException:
            continue
        return candidate
    return None


def _page(code: int, message=None):
    return render_template("errors/error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return _page(403, _("Your form expired or came from elsewhere. Reload the page and try again."))

    @app.errorhandler(DomainError)
    def _refused(exc: DomainError):
        # Views catch refusals next to their form; one that gets here still deserves its words.
        db.session.rollback()
        return _page(exc.status_code, exc.message)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if isinstance(exc, MethodNotAllowed) and request.method in ("GET", "HEAD"):
            # An action URL opened with GET (a refresh after a form sent without JavaScript, a
            # bookmark, a pasted link) shows the page the action belongs to, not an error page.
            if page := page_above(request.path):
                return redirect(request.script_root + page, 303)
        response = exc.get_response()  # keeps headers such as Allow and Retry-After
        if request.path.startswith("/static/"):
            return response
        response.data = render_template("errors/error.html", code=exc.code, message=None)
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        try:
            return _page(500)
        except Exception:  # noqa: BLE001 - the page of last resort must not fail
            app.logger.exception("the error page failed too on %s %s", request.method, request.path)
            return _bare_500(), 500, {"Content-Type": "text/html; charset=utf-8"}
