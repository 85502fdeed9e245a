"""Well-formed input before any view runs: bounded integers from URLs and query strings (a
crafted number is a 404, never a crash), no NUL characters, and links that keep a page's
query string without handing it to ``url_for``.

Ids are INTEGER columns: 32 signed bits on PostgreSQL, which refuses a larger parameter
("integer out of range"); SQLite raises ``OverflowError`` past 64 bits. Anything a visitor
types is therefore bounded to what every id column holds before it reaches a query.
"""

from __future__ import annotations

import builtins
import re
from urllib.parse import urlencode

from flask import abort, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

# The largest id an INTEGER column holds on PostgreSQL (SQLite's are larger): no row has more.
MAX_ID = 2**31 - 1
# Pages past this are empty anyway (25 rows a page); the offset stays far from overflowing.
MAX_PAGE = 1_000_000

_WHOLE = re.compile(r"[0-9]{1,30}")  # ASCII digits only: int() would also take "١٢" and "1_000"


class BoundedIntConverter(IntegerConverter):
    """``<int:order_id>``: a non-negative id up to ``MAX_ID``; anything longer is no match (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else builtins.min(max, MAX_ID), signed=signed)


def whole_number(text: str | None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``text`` as a whole number within the bounds, or None (not a number, or out of bounds)."""
    text = (text or "").strip()
    if not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def query_int(name: str, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A whole number from the query string (``?page=2``): ``default`` when absent or empty,
    404 when it is not a number within the bounds (a page or an object that cannot exist)."""
    raw = request.args.get(name, "")
    if not raw.strip():
        return default
    value = whole_number(raw, minimum, maximum)
    if value is None:
        abort(404)
    return value


def page_number() -> int:
    """``?page=``: 1 when absent; 404 for a page that cannot exist."""
    return query_int("page", 1, maximum=MAX_PAGE)


def init_app(app) -> None:
    """Every ``<int:…>`` in the portal's URLs is bounded (register before the blueprints)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.jinja_env.globals["url_with_query"] = url_with_query
    app.before_request(refuse_nul_characters)


def refuse_nul_characters() -> None:
    """400 for a query or form value holding U+0000: nobody types it, and PostgreSQL's text
    cannot hold it (psycopg refuses the whole query, which was a 500 on every search box)."""
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sources.append(request.form)  # CSRF protection reads it right after anyway
    for values in sources:
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400)


def url_with_query(endpoint: str, **changes) -> str:
    """This page's URL for ``endpoint``: the path's own arguments, the query string kept with
    ``changes`` applied (``page=2``). Query arguments stay in the query string, so a crafted
    ``?endpoint=x`` or ``?_method=POST`` never reaches ``url_for`` as its own keywords."""
    args = MultiDict(request.args)
    for name, value in changes.items():
        args.setlist(name, [str(value)])
    query = urlencode(list(args.items(multi=True)))
    # The path's own arguments belong to this page's rule only (a fragment may be rendered
    # by an action on another URL, /kits/5/ready, whose kit_id the board does not take).
    own = (request.view_args or {}) if endpoint == request.endpoint else {}
    path = url_for(endpoint, **own)
    return f"{path}?{query}" if query else path
