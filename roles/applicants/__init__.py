"""The public applicant site: apply, follow one's application, take tests by personal link.

No accounts here: whoever holds a personal link (sent by email) sees that application or
takes that test. Every page is rate-limited per client address (``roles.applicants.flood``).
"""

from __future__ import annotations

from flask import Blueprint

from roles.applicants import flood

bp = Blueprint("applicants", __name__, url_prefix="/careers")
bp.record_once(lambda state: flood.init_app(state.app, state.url_prefix))
flood.limiter.limit(flood.page_limit)(bp)

from roles.applicants import views  # noqa: E402,F401 - registers the views
