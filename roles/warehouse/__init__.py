"""The warehouse's part: the kits board (kits arrive with the warehouse issue)."""

from __future__ import annotations

from flask import Blueprint

from portal.auth import require_role
from portal.htmx import render

bp = Blueprint("warehouse", __name__, url_prefix="/warehouse")
require_role(bp, "warehouse", "manager")


@bp.get("/")
def home():
    """The kits board."""
    return render("warehouse/home.html")
