"""Signing in and out, registration, one's own profile and password (every role)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import people
from portal.auth import SESSION_TOKEN, home_url, sign_in, sign_out
from portal.errors import DomainError
from portal.htmx import redirect as htmx_redirect
from portal.htmx import render
from roles.auth.forms import LoginForm, PasswordForm, ProfileForm, RegisterForm, SetPasswordForm
from roles.forms import apply_domain_error

bp = Blueprint("auth", __name__)


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The one login page for every account."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = people.authenticate(form.email.data, form.password.data, _client_address())
        except people.LoginThrottled as exc:
            form.form_errors.append(exc.message)
            response = render("auth/throttled.html", "auth/_login_form.html", status=429,
                              retry_after=exc.retry_after, form=form)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except people.InvalidLogin as exc:
            form.form_errors.append(exc.message)
        else:
            sign_in(user, _client_address(), request.user_agent.string or "")
            return htmx_redirect(_safe_next(form.next.data) or home_url(user))
    demo_accounts = None
    from flask import current_app

    if current_app.config["DEMO"]:
        from portal.people.demo import DEMO_PASSWORD, demo_logins

        demo_accounts = (demo_logins(), DEMO_PASSWORD)
    return render("auth/login.html", "auth/_login_form.html", form=form,
                  demo_accounts=demo_accounts)


@bp.post("/logout")
def logout():
    """Sign out; the session cannot be used again, even from a copied cookie."""
    sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """A cat signs up as a client."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = RegisterForm()
    if request.method == "GET":
        from flask_babel import get_locale

        form.language.data = str(get_locale())
    if form.validate_on_submit():
        try:
            user = people.register_client(form.email.data, form.password.data, form.name.data,
                                          form.address.data, form.language.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            sign_in(user, _client_address(), request.user_agent.string or "")
            flash(_("Welcome to MCF, %(name)s!", name=user.name), "success")
            return htmx_redirect(home_url(user))
    return render("auth/register.html", "auth/_register_form.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Everyone edits their own name, address and language."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            people.update_profile(current_user.id, form.name.data, form.address.data or "", form.language.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Your profile is saved."), "success")
            return htmx_redirect(url_for("auth.account"))
    return render("auth/account.html", "auth/_profile_form.html", form=form,
                  password_form=PasswordForm(formdata=None))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password with the current one; other browsers are signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        from flask import session

        try:
            people.change_password(current_user.id, form.old_password.data, form.new_password.data,
                                   keep_token=session.get(SESSION_TOKEN))
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Your password is changed."), "success")
            return htmx_redirect(url_for("auth.account"))
    return render("auth/password.html", "auth/_password_form.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """A one-time link from an invitation: choose a password, then sign in."""
    user = people.password_token_user(token)
    if user is None:
        return render_template("auth/link_expired.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            people.set_password_with_token(token, form.password.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            sign_out()
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("auth.login"))
    return render("auth/set_password.html", form=form, user=user, token=token)


