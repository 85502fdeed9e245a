"""Signing in and out, registration, one's own profile and password (every role)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import clock, people, timezones
from portal.auth import (
    current_session_token, ended_by_deactivation, home_url, require_role, sign_in, sign_out,
)
from portal.errors import DomainError
from portal.htmx import redirect as htmx_redirect
from portal.htmx import render
from portal.security import safe_redirect_target
from roles.auth.forms import (
    ConfirmRegistrationForm, LoginForm, PasswordForm, ProfileForm, RegisterForm, SetPasswordForm,
)
from roles.forms import apply_domain_error
from roles.photos import photo_response

bp = Blueprint("auth", __name__)
# One's own account needs a sign-in (any role); only these views are open to visitors.
require_role(bp, *people.ROLES, public=("login", "logout", "register", "registration_sent",
                                       "confirm_registration", "set_password"))


def _client_address() -> str:
    """The address login throttling counts by (ProxyFix makes it the real one behind a proxy)."""
    return request.remote_addr or "unknown"


def _sign_in(user: people.User) -> None:
    sign_in(user, _client_address(), request.user_agent.string or "")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The one login page for every account."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "GET" and ended_by_deactivation():
        form.form_errors.append(people.DEACTIVATED)
    if form.validate_on_submit():
        try:
            user = people.authenticate(form.email.data, form.password.data, _client_address())
        except people.LoginThrottled as exc:
            form.form_errors.append(exc.message)
            response = render("auth/throttled.html", "auth/_login_form.html", status=429,
                              retry_after=exc.retry_after, message=exc.message, form=form)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except (people.InvalidLogin, people.AccountDeactivated) as exc:
            form.form_errors.append(exc.message)
        else:
            _sign_in(user)
            return htmx_redirect(safe_redirect_target(form.next.data) or home_url(user))
    demo_accounts = (people.demo_logins(), people.DEMO_PASSWORD) if current_app.config["DEMO"] else None
    return render("auth/login.html", "auth/_login_form.html", form=form, demo_accounts=demo_accounts)


@bp.post("/logout")
def logout():
    """Sign out; the session cannot be used again, even from a copied cookie."""
    sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """A cat asks for a client account; the account opens from the link emailed to them."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = RegisterForm()
    if request.method == "GET":
        form.language.data = str(get_locale())
    if form.validate_on_submit():
        try:
            people.request_registration(form.email.data, form.password.data, form.name.data,
                                        form.address.data, form.language.data,
                                        time_zone=form.time_zone.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            # The same page whether or not the address already has an account.
            return htmx_redirect(url_for("auth.registration_sent"))
    return render("auth/register.html", "auth/_register_form.html", form=form)


@bp.get("/register/sent")
def registration_sent():
    """Check your email: the link in it opens the account."""
    return render("auth/registration_sent.html", hours=people.REGISTRATION_LINK_HOURS)


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    """The emailed link: the password chosen at sign-up opens the account and signs in."""
    pending = people.pending_registration(token)
    if pending is None:
        return render_template("auth/registration_expired.html"), 410
    form = ConfirmRegistrationForm()
    if form.validate_on_submit():
        try:
            user = people.confirm_registration(token, form.password.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            _sign_in(user)
            flash(_("Welcome to MCF, %(name)s!", name=user.name), "success")
            return htmx_redirect(home_url(user))
    return render("auth/confirm_registration.html", form=form, pending=pending, token=token)


def _own_profile() -> people.WorkerProfile | None:
    return people.worker_profile(current_user.id) if current_user.role == "worker" else None


@bp.route("/account", methods=["GET", "POST"])
def account():
    """Everyone edits their own name, address and language."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            people.update_profile(current_user.id, form.name.data, form.address.data or "",
                                  form.language.data, time_zone=form.time_zone.data or "")
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Your profile is saved."), "success")
            # A full navigation, so a new language applies to the whole page.
            return htmx_redirect(url_for("auth.account"))
    return render("auth/account.html", "auth/_profile_form.html", form=form,
                  password_form=PasswordForm(formdata=None), profile=_own_profile(),
                  zones=timezones.zone_offsets(clock.now()))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change one's password with the current one; other browsers are signed out."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            people.change_password(current_user.id, form.old_password.data, form.new_password.data,
                                   keep_token=current_session_token())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Your password is changed. Your other browsers are signed out."), "success")
            return htmx_redirect(url_for("auth.account"))
    return render("auth/password.html", "auth/_password_form.html", form=form)


@bp.get("/account/photo")
def own_photo():
    """A worker's own portrait, as managers (and later their clients) see it."""
    return photo_response(people.worker_photo(current_user.id))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """A one-time link from an invitation: choose a password, then you are signed in."""
    user = people.password_token_user(token)
    if user is None:
        return render_template("auth/link_expired.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = people.set_password_with_token(token, form.password.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            _sign_in(user)
            flash(_("Your password is set. Welcome to MCF, %(name)s!", name=user.name), "success")
            return redirect(home_url(user))
    return render("auth/set_password.html", form=form, user=user, token=token)
