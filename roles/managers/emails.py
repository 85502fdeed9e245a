"""The mail viewer: every outgoing email with its delivery state."""

from __future__ import annotations

import re

from flask import abort, current_app, make_response, request

from portal import notifications
from portal.htmx import render
from portal.inputs import page_number
from roles.managers import bp

# The email's own HTML, shown in an iframe on the email page: no scripts, forms or
# same-origin rights (sandbox); only inline styles and inline images; framed only by us.
# Links may open in a new tab, outside the sandbox, so a set-password link works in the demo.
EMAIL_HTML_CSP = "; ".join([
    "sandbox allow-popups allow-popups-to-escape-sandbox",
    "default-src 'none'",
    "img-src data:",
    "style-src 'unsafe-inline'",
    "frame-ancestors 'self'",
])


def _links_open_outside(html: str) -> str:
    """A link clicked in the sandboxed frame would load the portal inside the frame, which the
    portal's own frame-ancestors refuses: nothing seems to happen. Emails kept before their
    layout said ``<base target="_blank">`` get it here, so every link opens in a new tab."""
    if re.search(r"<base\b", html, re.I):
        return html
    head = re.search(r"<head[^>]*>", html, re.I)
    at = head.end() if head else 0
    return html[:at] + '<base target="_blank">' + html[at:]


@bp.get("/emails")
def emails():
    """Outgoing emails, newest first, filtered by state and searched by recipient or subject."""
    state = request.args.get("state", "")
    if state not in notifications.EMAIL_STATES:
        state = ""
    q = request.args.get("q", "").strip()
    page = page_number()
    return render("managers/emails.html", "managers/_emails_table.html",
                  emails=notifications.list_emails(state or None, q, page),
                  state=state, q=q, states=notifications.EMAIL_STATES)


@bp.get("/emails/<int:email_id>")
def email(email_id: int):
    """One email: its headers, delivery state, the HTML as the recipient sees it, the text."""
    row = notifications.get_email(email_id) or abort(404)
    return render("managers/email.html", email=row, mail_from=current_app.config["MAIL_FROM"])


@bp.get("/emails/<int:email_id>/html")
def email_html(email_id: int):
    """The HTML body alone, for the sandboxed iframe of the email page."""
    row = notifications.get_email(email_id) or abort(404)
    response = make_response(_links_open_outside(row.html_body))
    response.headers["Content-Security-Policy"] = EMAIL_HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"  # the portal's default is DENY
    return response
