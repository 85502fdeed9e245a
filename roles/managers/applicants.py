"""Managers' hiring pipeline: applications by stage, one applicant's file, notes and decisions."""

from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal import applicants, orders
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render
from portal.i18n import lazy_gettext as _l
from portal.inputs import page_number, query_int
from roles.forms import SelectField, apply_domain_error
from roles.managers import bp
from roles.managers.forms import EmptyForm
from roles.photos import photo_response


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(_l("Write the note first.")), Length(max=2000)])


class AssignForm(FlaskForm):
    test_set_id = SelectField(_l("Test set"), coerce=int)


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AcceptForm(FlaskForm):
    strengths = Checkboxes(_l("Strengths"), validate_choice=False)
    weaknesses = Checkboxes(_l("Weaknesses"), validate_choice=False)


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason the applicant reads (optional)"), validators=[Length(max=1000)])


def _accept_form() -> AcceptForm:
    form = AcceptForm()
    form.strengths.choices = form.weaknesses.choices = [(s.code, s.name_en) for s in orders.list_service_types()]
    return form


def _services() -> dict[int, orders.ServiceName]:
    return {s.id: s for s in orders.service_names()}


@bp.get("/applicants")
def applications():
    """The pipeline: counts per stage, filters, search and pages (active search swaps the table)."""
    stage = request.args.get("stage", "")
    vacancy = query_int("vacancy", 0, minimum=0)
    flagged = request.args.get("flagged") == "1"
    q = request.args.get("q", "")
    found = applicants.search_applications(stage or None, vacancy or None, flagged, q,
                                           page_number(),
                                           per_page=current_app.config["PER_PAGE"])
    return render("managers/applicants.html", "managers/_applicants_table.html", found=found,
                  counts=applicants.stage_counts(), stages=applicants.STAGES, stage=stage,
                  vacancy=vacancy, flagged=flagged, q=q, services=_services())


def _forms(app, attempt):
    """The action forms of an applicant's page, prefilled (strengths from the test results)."""
    sets = applicants.list_test_sets()
    assign = AssignForm(test_set_id=applicants.test_set_for(app) or 0)
    assign.test_set_id.choices = [(0, _("— choose —"))] + [(s.id, s.name) for s in sets]
    accept = _accept_form()
    if not accept.is_submitted() and attempt is not None and attempt.finished_at is not None:
        accept.strengths.data, accept.weaknesses.data = applicants.suggested_characteristics(attempt)
    return {"note_form": NoteForm(), "assign_form": assign, "accept_form": accept,
            "reject_form": RejectForm(), "button": EmptyForm()}


@bp.get("/applicants/<int:application_id>")
def application(application_id: int, **overrides):
    """One applicant: details, photo, the log, the test result with its standing, the next step."""
    try:
        app = applicants.get_application(application_id)
    except NotFound:
        abort(404)
    attempt = applicants.latest_attempt(app.id)
    finished = attempt is not None and attempt.finished_at is not None
    context = {
        "application": app, "attempt": attempt, "service": _services().get(app.service_type_id),
        "notes": applicants.notes(app.id), "note_text": applicants.note_text, "photo": applicants.photo_of(app.id),
        "standing": applicants.standing(attempt) if finished else None,
        "questions": applicants.questions_of(attempt.test_set) if finished else [],
        "answers": applicants.answers_of(attempt.id) if finished else {},
    } | _forms(app, attempt) | overrides
    return render("managers/applicant.html", **context, status=400 if overrides else 200)


@bp.get("/applicants/<int:application_id>/photo")
def applicant_photo(application_id: int):
    """The applicant's photo once a job has checked and re-encoded it."""
    return photo_response(applicants.photo_of(application_id))


def _act(application_id: int, form: FlaskForm, act, done: str, form_name: str | None = None):
    """Validate ``form``, run ``act()``, then show the applicant again with the outcome."""
    if form.validate_on_submit():
        try:
            act()
        except DomainError as exc:
            if form_name is None or exc.field is None:
                flash(str(exc.message), "error")
                return redirect(url_for("managers.application", application_id=application_id))
            apply_domain_error(form, exc)
        else:
            flash(done, "success")
            return redirect(url_for("managers.application", application_id=application_id))
    if form_name is None:
        abort(400)
    return application(application_id, **{form_name: form})


@bp.post("/applicants/<int:application_id>/notes")
def add_application_note(application_id: int):
    """Write down a call, a meeting, an impression."""
    form = NoteForm()
    return _act(application_id, form, lambda: applicants.add_note(application_id, form.text.data, current_user),
                _("The note is saved."), "note_form")


@bp.post("/applicants/<int:application_id>/contacted")
def mark_contacted(application_id: int):
    """Move a new applicant to "contacted" (they are emailed that a manager is on it)."""
    return _act(application_id, EmptyForm(), lambda: applicants.mark_contacted(application_id, current_user),
                _("Marked as contacted."))


@bp.post("/applicants/<int:application_id>/test")
def assign_test(application_id: int):
    """Email the applicant a personal link to a test set (the vacancy's default, or another)."""
    form = AssignForm()
    form.test_set_id.choices = [(0, "")] + [(s.id, s.name) for s in applicants.list_test_sets()]
    return _act(application_id, form,
                lambda: applicants.assign_test_set(application_id, form.test_set_id.data or None, current_user),
                _("The test link is emailed to the applicant."), "assign_form")


@bp.post("/applicants/<int:application_id>/accept")
def accept(application_id: int):
    """Hire: the worker account is created from the application, with these characteristics."""
    form = _accept_form()
    return _act(application_id, form,
                lambda: applicants.accept(application_id, form.strengths.data or [], form.weaknesses.data or [],
                                          current_user),
                _("Accepted. The new worker is emailed a link to choose a password."), "accept_form")


@bp.post("/applicants/<int:application_id>/reject")
def reject(application_id: int):
    """Decline politely; the optional reason goes into the email."""
    form = RejectForm()
    return _act(application_id, form, lambda: applicants.reject(application_id, form.reason.data or "", current_user),
                _("Rejected. The applicant is emailed."), "reject_form")
