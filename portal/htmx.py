"""The small part of htmx the server needs: which requests want a fragment.

A tiny helper instead of htmx-flask (0.1.0, 2022, unmaintained): three functions.
"""

from __future__ import annotations

from flask import make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """A targeted htmx request (not a boosted navigation) gets the fragment alone."""
    return is_htmx() and request.headers.get("HX-Boosted") != "true"


def render(page: str, fragment: str | None = None, status: int = 200, trigger: str | None = None, **context):
    """Full page for plain and boosted requests, ``fragment`` for targeted htmx requests."""
    template = fragment if fragment and wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response


def redirect(location: str, code: int = 303):
    """Post/Redirect/Get; a targeted htmx request is told to navigate instead."""
    from flask import redirect as flask_redirect

    if wants_fragment():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = location
        return response
    return flask_redirect(location, code)
