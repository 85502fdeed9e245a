"""Managers' test editor: tests of questions, test sets with a time limit and pass mark, defaults per vacancy."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from portal import applicants, orders
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render
from portal.i18n import lazy_gettext as _l
from portal.inputs import whole_number
from roles.forms import SelectField, apply_domain_error, id_field, id_value
from roles.managers import bp
from roles.managers.applicants import Checkboxes
from roles.managers.forms import EmptyForm


class TestForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the test a title.")), Length(max=120)])
    service_type_id = SelectField(_l("About the service"), coerce=int)


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("Question"), validators=[DataRequired(_l("Write the question.")), Length(max=2000)])
    multiple = BooleanField(_l("Several answers can be right"))
    points = IntegerField(_l("Points"), default=1, validators=[
        InputRequired(_l("How many points is it worth?")), NumberRange(1, 100, _l("A question is worth 1 to 100 points."))])
    choices = TextAreaField(_l("Choices, one per line; start the right ones with *"),
                            validators=[DataRequired(_l("Give at least two choices."))])


class TestSetForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the set a name.")), Length(max=120)])
    time_limit_minutes = IntegerField(_l("Time limit, minutes"), default=30, validators=[
        InputRequired(_l("Set a time limit.")), NumberRange(1, 600, _l("The time limit is 1 to 600 minutes."))])
    pass_mark = IntegerField(_l("Pass mark (percent of the points)"), default=90, validators=[
        InputRequired(_l("Set a pass mark.")), NumberRange(0, 100, _l("The pass mark is a percentage, 0 to 100."))])
    test_ids = Checkboxes(_l("Tests in this set"), coerce=id_value, validate_choice=False)


class DefaultForm(FlaskForm):
    service_type_id = id_field()
    test_set_id = SelectField(_l("Default test set"), coerce=int)


def _service_choices():
    return [(0, _("— any —"))] + [(s.id, s.name_en) for s in orders.list_service_types()]


def _set_choices():
    return [(0, _("— none —"))] + [(s.id, s.name) for s in applicants.list_test_sets()]


@bp.get("/test-sets")
def test_sets():
    """Every test set and test, and which set each vacancy gets by default."""
    defaults = applicants.vacancy_defaults()
    default_forms = []
    for service in orders.list_service_types():
        form = DefaultForm(formdata=None, service_type_id=service.id, test_set_id=defaults.get(service.id, 0))
        form.test_set_id.choices = _set_choices()
        default_forms.append((service, form))
    return render("managers/test_sets.html", sets=applicants.list_test_sets(), tests=applicants.list_tests(),
                  default_forms=default_forms, services={s.id: s for s in orders.list_service_types()})


@bp.post("/test-sets/defaults")
def set_vacancy_default():
    """Choose the test set a vacancy's applicants get unless a manager picks another."""
    form = DefaultForm()
    form.test_set_id.choices = _set_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        applicants.set_vacancy_default(form.service_type_id.data, form.test_set_id.data or None)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The default test set is saved."), "success")
    return redirect(url_for("managers.test_sets"))


def _test_page(test, form, question_form, status=200):
    return render("managers/test_sets_test.html", test=test, form=form, question_form=question_form,
                  button=EmptyForm(), status=status)


@bp.route("/tests/new", methods=["GET", "POST"])
def new_test():
    """Start a test: its title and, optionally, the service it is about."""
    form = TestForm()
    form.service_type_id.choices = _service_choices()
    if form.validate_on_submit():
        try:
            test = applicants.save_test(None, form.title.data, form.service_type_id.data or None)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("The test is created; now add its questions."), "success")
            return redirect(url_for("managers.edit_test", test_id=test.id))
    return _test_page(None, form, None)


def _get_test(test_id: int):
    try:
        return applicants.get_test(test_id)
    except NotFound:
        abort(404)


@bp.route("/tests/<int:test_id>", methods=["GET", "POST"])
def edit_test(test_id: int):
    """A test's title, service and questions."""
    test = _get_test(test_id)
    form = TestForm(obj=test if request.method == "GET" else None)
    form.service_type_id.choices = _service_choices()
    if request.method == "GET":
        form.service_type_id.data = test.service_type_id or 0
    elif form.validate_on_submit():
        try:
            applicants.save_test(test.id, form.title.data, form.service_type_id.data or None)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("The test is saved."), "success")
            return redirect(url_for("managers.edit_test", test_id=test.id))
    return _test_page(test, form, QuestionForm(formdata=None))


@bp.post("/tests/<int:test_id>/questions")
def add_question(test_id: int):
    """Add a single- or multiple-choice question with its points and choices."""
    test = _get_test(test_id)
    question_form = QuestionForm()
    if question_form.validate_on_submit():
        try:
            applicants.add_question(test.id, question_form.text.data, question_form.multiple.data,
                                    question_form.points.data, applicants.parse_choices(question_form.choices.data))
        except DomainError as exc:
            apply_domain_error(question_form, exc)
        else:
            flash(_("The question is added."), "success")
            return redirect(url_for("managers.edit_test", test_id=test.id))
    form = TestForm(obj=test, formdata=None)
    form.service_type_id.choices = _service_choices()
    form.service_type_id.data = test.service_type_id or 0
    return _test_page(test, form, question_form, status=400)


@bp.post("/questions/<int:question_id>/remove")
def remove_question(question_id: int):
    """Take a question out of its test (not once someone has answered it)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    test_id = whole_number(request.form.get("test_id"), 1)
    try:
        applicants.remove_question(question_id)
    except NotFound:
        abort(404)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("The question is removed."), "success")
    return redirect(url_for("managers.edit_test", test_id=test_id) if test_id else url_for("managers.test_sets"))


def _set_page(form, test_set_id: int | None):
    form.test_ids.choices = [(t.id, t.title) for t in applicants.list_tests()]
    if form.validate_on_submit():
        try:
            saved = applicants.save_test_set(test_set_id, form.name.data, form.time_limit_minutes.data,
                                             form.pass_mark.data, form.test_ids.data or [])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("%(name)s is saved.", name=saved.name), "success")
            return redirect(url_for("managers.test_sets"))
    return render("managers/test_sets_form.html", form=form, test_set_id=test_set_id,
                  status=400 if form.is_submitted() else 200)


@bp.route("/test-sets/new", methods=["GET", "POST"])
def new_test_set():
    """Group tests into a set with a time limit and a pass mark."""
    return _set_page(TestSetForm(), None)


@bp.route("/test-sets/<int:test_set_id>", methods=["GET", "POST"])
def edit_test_set(test_set_id: int):
    """Change a set's tests, time limit or pass mark (for links sent from now on)."""
    try:
        test_set = applicants.get_test_set(test_set_id)
    except NotFound:
        abort(404)
    form = TestSetForm(obj=test_set)
    if request.method == "GET":
        form.test_ids.data = [item.test_id for item in test_set.items]
    return _set_page(form, test_set_id)
