from __future__ import annotations

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import people
from portal.db import db
from portal.errors import DomainError
from portal.htmx import render
from portal.images import BadImage
from roles.forms import apply_domain_error
from roles.managers import bp
from roles.managers.forms import EmptyForm, StaffForm, WorkerForm


@bp.get("/people")
def people_list():
    """Everyone, filtered by role and searched by name or email (active search)."""
    role = request.args.get("role", "")
    q = request.args.get("q", "")
    page = request.args.get("page", 1, type=int)
    pagination = people.search_people(role or None, q, page)
    return render("managers/people.html", "managers/_people_table.html",
                  pagination=pagination, role=role, q=q, roles=people.ROLES)


@bp.get("/people/<int:user_id>")
def person(user_id: int):
    """One account, with the deactivate / reactivate button."""
    user = db.session.get(people.User, user_id) or abort(404)
    profile = db.session.get(people.WorkerProfile, user_id) if user.role == "worker" else None
    return render("managers/person.html", user=user, profile=profile, form=EmptyForm())


@bp.post("/people/<int:user_id>/active")
def set_active(user_id: int):
    """Deactivate (or reactivate) an account."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        user = people.set_active(user_id, active, by=current_user)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("%(name)s is active again.", name=user.name) if active
              else _("%(name)s is deactivated and signed out.", name=user.name), "success")
    return redirect(url_for("managers.person", user_id=user_id))


@bp.route("/staff/new", methods=["GET", "POST"])
def new_staff():
    """Create a manager or warehouse account; they get an email to set a password."""
    form = StaffForm()
    if form.validate_on_submit():
        try:
            user = people.invite_staff(form.role.data, form.email.data, form.name.data,
                                       form.language.data, by=current_user)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("%(name)s is invited by email.", name=user.name), "success")
            return redirect(url_for("managers.person", user_id=user.id))
    return render("managers/staff_new.html", "managers/_staff_form.html", form=form)


@bp.route("/workers/new", methods=["GET", "POST"])
def new_worker():
    """Add a worker by hand (hiring will do this from accepted applicants)."""
    form = WorkerForm()
    if form.validate_on_submit():
        upload = form.photo.data
        raw = upload.read() if upload else b""
        try:
            photo_id = people.save_photo(raw).id if raw else None
        except BadImage as exc:
            form.photo.errors = [exc.message]
        else:
            try:
                user = people.add_worker(
                    form.email.data, form.name.data, form.language.data, age=form.age.data,
                    breed=form.breed.data or "", fur_colour=form.fur_colour.data or "",
                    photo_id=photo_id, about=form.about.data or "", by=current_user,
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                flash(_("%(name)s is added and invited by email.", name=user.name), "success")
                return redirect(url_for("managers.person", user_id=user.id))
    return render("managers/worker_new.html", form=form)


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    """A worker's portrait."""
    row = people.get_photo(photo_id) or abort(404)
    response = make_response(row.data)
    response.headers["Content-Type"] = row.content_type
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
