"""The client's part: dashboard (orders and booking arrive with the orders issue)."""

from __future__ import annotations

from flask import Blueprint

from portal.auth import require_role
from portal.htmx import render

bp = Blueprint("clients", __name__, url_prefix="/client")
require_role(bp, "client")


@bp.get("/")
def home():
    """The client's dashboard."""
    return render("clients/home.html")
