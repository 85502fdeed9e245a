"""The worker's earnings page: this month so far, the payout preview, past payouts; a dispute per line."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from portal import quality, worker_billing
from portal.htmx import render
from roles import disputes
from roles.workers import bp


@bp.get("/earnings")
def earnings():
    """BI-4…BI-6: each earning, fine and bonus with its order or reason; payouts with status."""
    statement = worker_billing.statement(current_user.id)
    keys = [worker_billing.line_key(line) for line in statement.lines] + [
        worker_billing.payout_key(p.id) for p in statement.payouts if p.state == "paid"]
    return render("workers/earnings.html", statement=statement, disputes=quality.disputes_for(keys),
                  line_key=worker_billing.line_key, payout_key=worker_billing.payout_key)


@bp.post("/earnings/lines/<int:line_id>/dispute")
def dispute_line(line_id: int):
    """Dispute an earning, a fine, a bonus or a correction of one's own statement."""
    return disputes.dispute_line(lambda: worker_billing.statement_line(current_user.id, line_id),
                                 url_for("workers.earnings"))


@bp.post("/earnings/payouts/<int:payout_id>/dispute")
def dispute_payout(payout_id: int):
    """Dispute one's own paid payout."""
    return disputes.dispute_line(lambda: worker_billing.statement_payout(current_user.id, payout_id),
                                 url_for("workers.earnings"))
