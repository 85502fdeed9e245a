"""The "Dispute" action every statement line has (SPEC §14), for the roles that own lines:
clients (charges) and workers (earnings, fines, bonuses, payouts). Not a role itself."""

from __future__ import annotations

from typing import Callable

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from portal import ledger, quality
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render, wants_fragment
from roles.forms import DisputeForm


def dispute_line(find_line: Callable[[], ledger.StatementLine], back: str):
    """Open a dispute of the signed-in owner's line; ``find_line`` refuses another's (404).

    A targeted htmx request gets the line's dispute cell back (its new state, or the form with
    the message); a plain one is sent ``back`` with the message flashed.
    """
    try:
        line = find_line()
    except NotFound:
        abort(404)
    form = DisputeForm()
    errors: list = []
    if form.validate_on_submit():
        try:
            quality.open_dispute(line, form.reason.data, current_user)
        except DomainError as exc:
            errors = [exc.message]
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    if not wants_fragment():
        if errors:
            flash(" ".join(str(e) for e in errors), "error")
        else:
            flash(_("Your dispute is sent; a manager will look at it and you will be emailed the decision."),
                  "success")
        return redirect(back)
    dispute = quality.disputes_for([line.key]).get(line.key)
    return render("components/_dispute_cell.html", dispute=dispute, action=request.path, errors=errors,
                  reason=(form.reason.data or "") if errors else "")
