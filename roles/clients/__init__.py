"""The client's part: dashboard, booking, the live order page, cancel, rate, rebook."""

from __future__ import annotations

from flask import Blueprint

from portal.auth import require_role
from roles import order_pages

bp = Blueprint("clients", __name__, url_prefix="/client")
require_role(bp, "client")
order_pages.install(bp)

from roles.clients import billing, views  # noqa: E402,F401 - registers the views
