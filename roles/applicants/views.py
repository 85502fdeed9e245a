"""Views of the applicant site."""

from __future__ import annotations

import logging

from flask import abort, current_app, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from portal import applicants
from portal.errors import DomainError
from portal.htmx import redirect, render, wants_fragment
from roles.applicants import bp
from roles.applicants.flood import (filled_too_fast, form_started, limiter, retry_after, submission_limit,
                                    too_many_page, visitor_language)
from roles.applicants.forms import ApplyForm
from roles.forms import apply_domain_error

log = logging.getLogger(__name__)


@bp.errorhandler(429)
def too_many_requests(exc):
    """A small page with ``Retry-After``, cheap to send to a flood (``flood.too_many_page``)."""
    wait = retry_after()
    lang = visitor_language(request.headers.get("Accept-Language", ""))
    response = current_app.make_response((too_many_page(lang, wait), 429))
    response.headers["Retry-After"] = str(wait)
    return response


@bp.get("/")
def home():
    """Public page about working for MCF."""
    return render("applicants/home.html", vacancies=applicants.open_vacancies())


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit(submission_limit, methods=["POST"], override_defaults=False)
def apply():
    """The application form; sending it again with the same email updates the application."""
    form = ApplyForm()
    vacancies = applicants.open_vacancies()
    lang = str(get_locale() or "en")
    form.service_type_id.choices = [(0, "—")] + [(v.id, v.name(lang)) for v in vacancies]
    if form.is_submitted() and form.website.data:
        # A bot filled the field people never see: it learns nothing, nothing is written.
        log.info("honeypot filled from %s", request.remote_addr)
        return redirect(url_for("applicants.applied"))
    if form.validate_on_submit():
        if filled_too_fast(form.started.data):
            form.form_errors.append(_too_fast())
        else:
            photo = form.photo.data.read(applicants.MAX_PHOTO_BYTES + 1) if form.photo.data else b""
            try:
                applicants.apply(form.email.data, form.name.data, form.age.data, form.breed.data,
                                 form.fur_colour.data, form.about.data or "", form.service_type_id.data,
                                 photo, language=lang)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return redirect(url_for("applicants.applied"))
    form.started.data = form_started()
    return render("applicants/apply.html", "applicants/_apply_form.html", form=form, vacancies=vacancies)


def _too_fast():
    return _("That was very quick. Please check your answers and send the form again.")


@bp.route("/changes/<token>", methods=["GET", "POST"])
def confirm_change(token: str):
    """The emailed link after the same email applied again: see the new details, confirm them."""
    change = applicants.change_by_token(token)
    if change is None:
        return render("applicants/change_expired.html", status=410)
    if request.method == "POST":
        try:
            applicants.confirm_change(token)
        except DomainError:
            return render("applicants/change_expired.html", status=410)
        return redirect(url_for("applicants.change_confirmed"))
    vacancy = next((v for v in applicants.open_vacancies() if v.id == change.service_type_id), None)
    return render("applicants/confirm_change.html", change=change, token=token,
                  vacancy=vacancy.name(str(get_locale() or "en")) if vacancy else "")


@bp.get("/changes/confirmed")
def change_confirmed():
    """The application has the new details; a new status link is on its way."""
    return render("applicants/change_confirmed.html")


@bp.get("/apply/sent")
def applied():
    """Thank you: what happens next (the status link comes by email, never on this page)."""
    return render("applicants/applied.html")


@bp.get("/status/<token>")
def status(token: str):
    """Where one's application stands, through the link in the confirmation email."""
    application = applicants.by_status_token(token) or abort(404)
    attempt = applicants.latest_attempt(application.id)
    return render("applicants/status.html", application=application, attempt=attempt,
                  attempt_state=applicants.attempt_state(attempt) if attempt else None)


# --- taking a test ------------------------------------------------------------------------

def _attempt(token: str):
    return applicants.attempt_by_token(token) or abort(404)


@bp.route("/test/<token>", methods=["GET", "POST"])
def test(token: str):
    """The test through its personal link: the start page, the questions, or the end.

    POST ``action=start`` starts the clock (once); ``action=finish`` hands in. A page
    opened after the time limit scores the answers given so far.
    """
    attempt = _attempt(token)
    error = None
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "start":
                applicants.start_attempt(token)
            elif action == "finish":
                applicants.finish_attempt(token)
            else:
                abort(400)
        except DomainError as exc:
            error = exc.message
        else:
            return redirect(url_for("applicants.test", token=token))
        attempt = _attempt(token)
    state = applicants.attempt_state(attempt)
    if state == "overdue":
        attempt, state = applicants.finish_attempt(token), "finished"
    if state == "expired":
        return render("applicants/test_expired.html", status=410)
    return render("applicants/test.html", attempt=attempt, state=state, token=token, error=error,
                  questions=applicants.questions_of(attempt.test_set) if state == "running" else [],
                  answers=applicants.answers_of(attempt.id) if state == "running" else {})


@bp.route("/test/<token>/questions/<int:question_id>", methods=["GET", "POST"])
def answer(token: str, question_id: int):
    """One question: POST keeps its answer (htmx sends each change); GET shows it as answered.

    Once the test is over (handed in, or time is up) both lead back to the test page,
    which says so.
    """
    attempt = _attempt(token)
    question = next((q for q in applicants.questions_of(attempt.test_set) if q.id == question_id), None)
    if question is None:
        abort(404)
    to_test = url_for("applicants.test", token=token)
    if request.method == "POST":
        try:
            applicants.save_answer(token, question_id, request.form.getlist("choice", type=int))
        except DomainError:
            return redirect(to_test)
        if not wants_fragment():
            return redirect(f"{to_test}#q{question_id}")
    elif applicants.attempt_state(attempt) != "running":
        return redirect(to_test)
    return render("applicants/_question.html", attempt=attempt, token=token, question=question,
                  chosen=applicants.answers_of(attempt.id).get(question_id, []),
                  saved=request.method == "POST")
