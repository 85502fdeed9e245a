"""The worker's part: the job board (orders arrive with the orders issue)."""

from __future__ import annotations

from flask import Blueprint

from portal.auth import require_role
from portal.htmx import render

bp = Blueprint("workers", __name__, url_prefix="/worker")
require_role(bp, "worker")


@bp.get("/")
def home():
    """The worker's job board."""
    return render("workers/home.html")
