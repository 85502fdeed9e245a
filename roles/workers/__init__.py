"""The worker's part: the job board, check-in and finish with photos."""

from __future__ import annotations

from flask import Blueprint

from portal.auth import require_role
from roles import order_pages

bp = Blueprint("workers", __name__, url_prefix="/worker")
require_role(bp, "worker")
order_pages.install(bp)

from roles.workers import earnings, views  # noqa: E402,F401 - registers the views
