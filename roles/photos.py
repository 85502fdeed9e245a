"""Serving stored portraits; each role decides in its own route who may see which."""

from __future__ import annotations

from flask import Response, abort, make_response


def photo_response(photo) -> Response:
    """The photo's bytes, cacheable by this browser only (a photo never changes under its id)."""
    if photo is None:
        abort(404)
    response = make_response(photo.data)
    response.headers["Content-Type"] = photo.content_type
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
