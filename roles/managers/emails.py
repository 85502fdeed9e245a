from __future__ import annotations

from flask import abort, make_response, request

from portal import notifications
from portal.htmx import render
from roles.managers import bp


@bp.get("/emails")
def emails():
    """Every outgoing email with its delivery state; the mail viewer when there is no SMTP."""
    state = request.args.get("state", "")
    q = request.args.get("q", "")
    page = request.args.get("page", 1, type=int)
    pagination = notifications.list_emails(state or None, q, page)
    return render("managers/emails.html", "managers/_emails_table.html", pagination=pagination,
                  state=state, q=q, states=notifications.EMAIL_STATES)


@bp.get("/emails/<int:email_id>")
def email(email_id: int):
    """One email as the recipient sees it."""
    row = notifications.get_email(email_id) or abort(404)
    return render("managers/email.html", email=row)


@bp.get("/emails/<int:email_id>/html")
def email_html(email_id: int):
    """The HTML body alone, sandboxed: no scripts, no forms, shown in an iframe."""
    row = notifications.get_email(email_id) or abort(404)
    response = make_response(row.html_body)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
