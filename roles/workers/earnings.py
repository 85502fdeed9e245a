"""The worker's earnings page: this month so far, the payout preview, past payouts."""

from __future__ import annotations

from flask_login import current_user

from portal import worker_billing
from portal.htmx import render
from roles.workers import bp


@bp.get("/earnings")
def earnings():
    """BI-4…BI-6: each earning, fine and bonus with its order or reason; payouts with status."""
    return render("workers/earnings.html", statement=worker_billing.statement(current_user.id))
