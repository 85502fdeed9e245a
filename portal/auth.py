"""Signing in and out, and the role gate every role blueprint installs once."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from portal import people
from portal.extensions import login_manager

SESSION_TOKEN = "sid"

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
    return people.session_user(uid, session.get(SESSION_TOKEN))


def sign_in(user: people.User, address: str, user_agent: str) -> None:
    """A fresh session identity at every login: the old cookie content is dropped."""
    lang = session.get("lang")
    session.clear()
    session[SESSION_TOKEN] = people.open_session(user, address, user_agent)
    if lang:
        session["lang"] = lang
    login_user(user)


def sign_out() -> None:
    people.close_session(session.get(SESSION_TOKEN))
    logout_user()
    session.clear()


def home_url(user) -> str:
    return url_for(HOME_ENDPOINTS[user.role])


def require_role(blueprint: Blueprint, *roles: str) -> None:
    """Gate every route of ``blueprint``: anonymous → login page, other roles → 403."""

    @blueprint.before_request
    def _gate():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.role not in roles:
            abort(403)
        return None
