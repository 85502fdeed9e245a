"""People admin: list, search, view, invite staff, add workers, deactivate."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import client_billing, people
from portal.errors import DomainError
from portal.htmx import redirect, render
from portal.inputs import page_number
from roles.forms import apply_domain_error
from roles.managers import bp
from roles.managers.forms import EmptyForm, StaffForm, WorkerForm
from roles.photos import photo_response


@bp.get("/people")
def people_list():
    """Everyone, filtered by role and searched by name or email (active search)."""
    role = request.args.get("role", "")
    q = request.args.get("q", "")
    page = page_number()
    found = people.search_people(role or None, q, page, per_page=current_app.config["PER_PAGE"])
    return render("managers/people.html", "managers/_people_table.html",
                  found=found, role=role, q=q, roles=people.ROLES)


@bp.get("/people/<int:user_id>")
def person(user_id: int):
    """One account, with its worker profile and the deactivate / reactivate button."""
    user = people.get_person(user_id) or abort(404)
    invoices = client_billing.invoices_of(user.id) if user.role == "client" else []
    return render("managers/person.html", user=user, form=EmptyForm(), invoices=invoices)


def _set_active(user_id: int, active: bool):
    """Deactivate or reactivate an account, then show it again with the outcome."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        user = people.set_active(user_id, active, by=current_user)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("%(name)s is active again.", name=user.name) if active
              else _("%(name)s is deactivated and signed out.", name=user.name), "success")
    return redirect(url_for("managers.person", user_id=user_id))


@bp.post("/people/<int:user_id>/deactivate")
def deactivate(user_id: int):
    """End an account's sessions; it cannot sign in and is never matched until reactivated."""
    return _set_active(user_id, False)


@bp.post("/people/<int:user_id>/reactivate")
def reactivate(user_id: int):
    """Let a deactivated account sign in again."""
    return _set_active(user_id, True)


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
        try:
            user = people.add_worker(
                form.email.data, form.name.data, form.language.data, age=form.age.data,
                breed=form.breed.data or "", fur_colour=form.fur_colour.data or "",
                photo=form.photo.data.read() if form.photo.data else None,
                about=form.about.data or "", by=current_user,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("%(name)s is added and invited by email.", name=user.name), "success")
            return redirect(url_for("managers.person", user_id=user.id))
    return render("managers/worker_new.html", form=form)


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    """Any worker's portrait (managers see everyone)."""
    return photo_response(people.get_photo(photo_id))
