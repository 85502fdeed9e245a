"""The header's links of each role, rendered once per role, language and current page.

Thirteen links of a manager's header cost a tenth of a small page (a macro, a URL and a
translation each) and are the same on every request to the same page; the rendered HTML is
kept per process. The key holds all they depend on: role, language, the current endpoint
(which link is marked current) and the script root the URLs are built under.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

_rendered: dict[tuple[str, str, str | None, str], Markup] = {}


def role_links(role: str) -> Markup:
    key = (role, str(get_locale()), request.endpoint, request.script_root)
    links = _rendered.get(key)
    if links is None:
        links = _rendered[key] = Markup(render_template("components/_role_links.html", role=role))
    return links


def init_app(app: Flask) -> None:
    app.jinja_env.globals["role_links"] = role_links
