"""The managers' part: people, staff, emails, background runs (more with each context)."""

from __future__ import annotations

from flask import Blueprint

from portal.auth import require_role

bp = Blueprint("managers", __name__, url_prefix="/manager")
require_role(bp, "manager")

from roles.managers import (  # noqa: E402,F401 - registers the views
    applicants, bets, billing, emails, home, matching, operations, orders, people, quality, replays, runs, service_types,
    test_sets,
)
