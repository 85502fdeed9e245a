"""People admin: list, search, invite staff, add workers, deactivate, and each person's record:
what a manager needs to decide about a worker (outcomes, rating, fines, earnings, skills, kits,
bonuses) or a client (orders, invoices, what they paid, their loyalty tier, problems)."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import client_billing, orders, people, quality, warehouse, worker_billing
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render
from portal.inputs import page_number
from roles.forms import apply_domain_error
from roles.managers import bp
from roles.managers.forms import BonusForm, EmptyForm, SkillsForm, StaffForm, WorkerForm
from roles.photos import photo_response

RECENT = 10  # rows of each list on a person's record; the full lists are a link away


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
    """One account and its record, with the deactivate / reactivate button."""
    return _person_page(user_id)


def _offer_service_types(form) -> list:
    service_types = orders.list_service_types()
    form.offer_service_types(service_types, str(get_locale() or "en"))
    return service_types


def _person_page(user_id: int, skills_form: SkillsForm | None = None, bonus_form: BonusForm | None = None,
                 status: int = 200):
    user = people.get_person(user_id) or abort(404)
    record = {}
    if user.role == "worker":
        record = _worker_record(user, skills_form, bonus_form)
    elif user.role == "client":
        record = _client_record(user)
    response = render("managers/person.html", user=user, form=EmptyForm(), **record)
    response.status_code = status
    return response


def _worker_record(user, skills_form: SkillsForm | None, bonus_form: BonusForm | None) -> dict:
    """A constant number of queries whatever the worker's history (one per part of the record)."""
    profile = user.worker_profile
    if skills_form is None:
        skills_form = SkillsForm(formdata=None, strengths=profile.strengths if profile else [],
                                 weaknesses=profile.weaknesses if profile else [])
    _offer_service_types(skills_form)
    return dict(
        counts=orders.order_counts(worker_id=user.id),
        record=orders.worker_record(user.id),
        recent=orders.recent_orders(worker_id=user.id, limit=RECENT),
        problems=orders.problem_reports(worker_id=user.id, limit=RECENT),
        statement=worker_billing.statement(user.id),
        fines_and_bonuses=worker_billing.recent_lines(user.id, ("fine", "bonus"), limit=RECENT),
        pickups=warehouse.pickups_of(user.id, limit=RECENT),
        disputes=quality.disputes_of(user.id, limit=RECENT),
        open_disputes=quality.open_disputes_count(user.id),
        skills_form=skills_form,
        bonus_form=bonus_form or BonusForm(formdata=None),
    )


def _client_record(user) -> dict:
    paid = client_billing.paid_total(user.id)
    return dict(
        counts=orders.order_counts(client_id=user.id),
        recent=orders.recent_orders(client_id=user.id, limit=RECENT),
        problems=orders.problem_reports(client_id=user.id, limit=RECENT),
        invoices=client_billing.invoices_of(user.id),
        disputes=quality.disputes_of(user.id, limit=RECENT),
        paid_total=paid,
        discount_percent=client_billing.loyalty_discount_percent(paid),
        next_tier=client_billing.next_tier(paid),
    )


@bp.post("/people/<int:user_id>/skills")
def set_skills(user_id: int):
    """Correct what hiring learned: the service types the worker is strong or weak at."""
    form = SkillsForm()
    _offer_service_types(form)
    if form.validate_on_submit():
        try:
            people.set_skills(user_id, form.strengths.data, form.weaknesses.data, by=current_user)
        except NotFound:
            abort(404)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Skills saved: matching uses them from the next order."), "success")
            return redirect(url_for("managers.person", user_id=user_id, _anchor="skills"))
    return _person_page(user_id, skills_form=form, status=422)


@bp.post("/people/<int:user_id>/bonus")
def give_bonus(user_id: int):
    """BI-5: credit this worker with a reason; who gave it is recorded."""
    form = BonusForm()
    if form.validate_on_submit():
        amount = form.amount.money
        try:
            worker_billing.give_bonus(user_id, amount, form.reason.data, by=current_user,
                                      submission_key=form.once.data)
        except NotFound:
            abort(404)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Bonus of %(amount)s given.", amount=amount.format(str(get_locale()))), "success")
            return redirect(url_for("managers.person", user_id=user_id, _anchor="money"))
    return _person_page(user_id, bonus_form=form, status=422)


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
    _offer_service_types(form)
    if form.validate_on_submit():
        try:
            user = people.add_worker(
                form.email.data, form.name.data, form.language.data, age=form.age.data,
                breed=form.breed.data or "", fur_colour=form.fur_colour.data or "",
                photo=form.photo.data.read() if form.photo.data else None,
                about=form.about.data or "", strengths=form.strengths.data, weaknesses=form.weaknesses.data,
                by=current_user,
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
