"""Signing in and out, and the role gate every role blueprint installs once."""

from __future__ import annotations

from flask import Blueprint, abort, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal import people
from portal.extensions import login_manager
from portal.htmx import redirect

# The session cookie carries this server-side session token next to Flask-Login's user id;
# the token is what a logout or a deactivation revokes.
SESSION_TOKEN = "sid"
# Why this browser's session was ended by someone else, for the login page to say.
ENDED = "ended"

HOME_ENDPOINTS = {
    "client": "clients.home",
    "worker": "workers.home",
    "manager": "managers.home",
    "warehouse": "warehouse.home",
}


@login_manager.user_loader
def _load_user(user_id: str):
    try:
        uid = int(user_id)
    except ValueError:
        return None
    token = session.get(SESSION_TOKEN)
    user = people.session_user(uid, token)
    if user is None and token:
        session.pop(SESSION_TOKEN)  # a dead session is looked into once, not on every request
        if people.session_deactivated(uid, token):
            # The login page says why (rendering words here would ask for the language of
            # the user being loaded).
            session[ENDED] = "deactivated"
    return user


def sign_in(user: people.User, address: str, user_agent: str) -> None:
    """A fresh session identity at every login: whatever the cookie held before is dropped."""
    lang = session.get("lang")
    session.clear()
    session[SESSION_TOKEN] = people.open_session(user, address, user_agent)
    if lang:
        session["lang"] = lang
    login_user(user)


def sign_out() -> None:
    """End this browser's session for good (a copy of the cookie is useless afterwards)."""
    people.close_session(session.get(SESSION_TOKEN))
    logout_user()
    session.clear()


def ended_by_deactivation() -> bool:
    """Whether this browser was signed out because its account was deactivated (asked once)."""
    return session.pop(ENDED, None) == "deactivated"


def current_session_token() -> str | None:
    """The token of this browser's session (to keep it when other sessions are ended)."""
    return session.get(SESSION_TOKEN)


def home_url(user) -> str:
    return url_for(HOME_ENDPOINTS[user.role])


def require_role(blueprint: Blueprint, *roles: str, public: tuple[str, ...] = ()) -> None:
    """Gate every route of ``blueprint``: anonymous → login page, other roles → 403.

    ``public`` names the views (by function name) that anyone may open; every other view,
    including one added later, is gated by default.
    """
    open_endpoints = {f"{blueprint.name}.{view}" for view in public}

    @blueprint.before_request
    def _gate():
        if request.endpoint in open_endpoints:
            return None
        if not current_user.is_authenticated:
            # Come back here after signing in, but only to a page (never replay a POST).
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.login", next=target), 302)
        if current_user.role not in roles:
            abort(403)
        return None
