"""The small part of htmx the server needs: which requests want a fragment, and history.

A tiny helper instead of htmx-flask (0.1.0, 2022, unmaintained). It must still cover the parts
of the protocol the portal uses: boosted navigation, targeted requests, history restore (the
browser's Back, Forward and a history entry htmx has no copy of) and the URL a response leaves
in the address bar.
"""

from __future__ import annotations

from flask import Flask, Response, make_response, render_template, request
from flask import redirect as flask_redirect


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def is_history_restore() -> bool:
    """htmx fetching a URL from its history (Back, Forward) to swap the whole ``<body>``."""
    return request.headers.get("HX-History-Restore-Request") == "true"


def wants_fragment() -> bool:
    """A targeted htmx request gets the fragment alone; boosted navigation and history restores
    get the whole page (a history restore replaces the body, so a fragment would lose the
    header and navigation)."""
    return is_htmx() and request.headers.get("HX-Boosted") != "true" and not is_history_restore()


def stop_polling(response: Response) -> Response:
    """286 tells a polling fragment there is nothing more to wait for; only a polling request may
    get it (a page, a boosted link or a history restore must get 200)."""
    if wants_fragment():
        response.status_code = 286
    return response


def render(page: str, fragment: str | None = None, status: int = 200, trigger: str | None = None, **context):
    """Full page for plain and boosted requests, ``fragment`` for targeted htmx requests."""
    template = fragment if fragment and wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def redirect(location: str, code: int = 303):
    """Post/Redirect/Get; a targeted htmx request is told to navigate instead."""
    if wants_fragment():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    return flask_redirect(location, code)


def init_app(app: Flask) -> None:
    @app.after_request
    def _keep_page_url(response: Response) -> Response:
        # A boosted form that is answered with the page again (errors next to the fields) would
        # push its POST URL into the address bar, and a refresh there would GET an action URL.
        # The page the form was on stays in the address bar instead; a redirect (Post/Redirect/Get)
        # is followed by the browser and pushes the page it lands on.
        if (is_htmx() and request.method != "GET"
                and not any(h in response.headers for h in ("HX-Push-Url", "HX-Replace-Url", "HX-Location"))):
            response.headers["HX-Push-Url"] = "false"
        return response
