"""The public applicant site (the application form arrives with the applicants issue)."""

from __future__ import annotations

from flask import Blueprint

from portal.htmx import render

bp = Blueprint("applicants", __name__, url_prefix="/careers")


@bp.get("/")
def home():
    """Public page about working for MCF."""
    return render("applicants/home.html")
