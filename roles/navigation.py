"""The header's links of each role, rendered once per role, language and current page.

Thirteen links of a manager's header cost a tenth of a small page (a macro, a URL and a
translation each) and are the same on every request to the same page; the rendered HTML is
kept per process. The key holds all they depend on: role, language, the current endpoint
(which link is marked current) and the script root the URLs are built under.
"""

from __future__ import annotations

from flask import Flask, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from portal.inputs import MAX_ID

_rendered: dict[tuple[str, str, str | None, str], Markup] = {}


def role_links(role: str) -> Markup:
    key = (role, str(get_locale()), request.endpoint, request.script_root)
    links = _rendered.get(key)
    if links is None:
        links = _rendered[key] = Markup(render_template("components/_role_links.html", role=role))
    return links


# The URL of one object's page with a stand-in id, per endpoint and script root: a list
# links every row to an order and its people (seventy-five links a page of the managers'
# orders, each a trip through Werkzeug's URL map: 7 % of the page).
_id_urls: dict[tuple[str, str, str], str] = {}
_STAND_IN = str(MAX_ID)  # no route's fixed part holds these ten digits


def id_url(endpoint: str, **one_id: int) -> str:
    """``url_for(endpoint, order_id=7)``, for a route whose only part is one id."""
    ((name, value),) = one_id.items()
    key = (endpoint, name, request.script_root)
    pattern = _id_urls.get(key)
    if pattern is None:
        pattern = _id_urls[key] = url_for(endpoint, **{name: MAX_ID}).replace(_STAND_IN, "{}")
    return pattern.format(int(value))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(role_links=role_links, id_url=id_url)
