"""Quality control for managers: the case queue, a case with everything about the work, the
result form, the causes list, the sampling rate and the hypotheses report."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal import matching, orders, people, quality, worker_billing
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render
from portal.i18n import lazy_gettext as _l
from portal.inputs import page_number
from portal.money import Money
from roles.forms import MoneyField, SelectField, apply_domain_error, id_value
from roles.managers import bp

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("Cases"), choices=[SelectChoice("open", _l("Open")), SelectChoice("closed", _l("Closed"))],
                        validators=[Optional()])
    reason = SelectField(_l("Reason"), validators=[Optional()])
    service_type = SelectField(_l("Service"), validators=[Optional()])
    assignee = SelectField(_l("Assigned to"), validators=[Optional()], choices=[
        SelectChoice("", _l("Anyone")), SelectChoice("me", _l("Me")), SelectChoice("nobody", _l("Nobody"))])

    def load_choices(self, services: list) -> None:
        self.reason.choices = [SelectChoice("", _l("Any reason"))] + [
            SelectChoice(r, quality.reason_label(r)) for r in quality.REASONS]
        lang = str(get_locale() or "en")
        self.service_type.choices = [SelectChoice("", _l("Any service"))] + [
            SelectChoice(s.code, s.name(lang)) for s in services]

    def filters(self) -> quality.QueueFilters:
        return quality.QueueFilters(reason=self.reason.data or "", service_type=self.service_type.data or "",
                                    assignee=self.assignee.data or "", state=self.state.data or "open")


class SamplingForm(FlaskForm):
    percent = IntegerField(_l("Sampling rate (percent of completed orders)"),
                           validators=[InputRequired(_l("Enter a percentage.")),
                                       NumberRange(0, 100, _l("Enter a percentage from 0 to 100."))])


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assigned to"), coerce=id_value, validators=[Optional()])


class ResultForm(FlaskForm):
    client_contacted = RadioField(_l("Was the client contacted?"), choices=YES_NO,
                                  validators=[DataRequired(_l("Say whether the client was contacted."))])
    findings = TextAreaField(_l("Findings"), validators=[DataRequired(_l("Write down what you found.")),
                                                         Length(max=5000)])
    cause = SelectField(_l("Cause"), coerce=id_value,
                        validators=[DataRequired(_l("Choose a cause from the list."))])
    hypothesis = TextAreaField(_l("Hypothesis: what would make the business better?"),
                               validators=[Length(max=5000)])
    worker_at_fault = RadioField(_l("Was the worker at fault?"), choices=YES_NO,
                                 validators=[DataRequired(_l("Say whether the worker was at fault."))])


class DecisionForm(FlaskForm):
    """A manager's decision on a disputed statement line."""

    decision = RadioField(_l("Decision"), choices=[
        SelectChoice("confirm", _l("Confirm the line as it is")),
        SelectChoice("correct", _l("Correct it in the disputer's favour"))],
        validators=[DataRequired(_l("Choose: confirm or correct."))])
    # Not Optional(): it would stop the check below that a correction names its amount.
    amount = MoneyField(_l("Correction"), maximum=worker_billing.MAX_BONUS, minimum=Money(1))
    note = TextAreaField(_l("Why (the disputer reads this)"),
                         validators=[DataRequired(_l("Say why.")), Length(max=quality.MAX_REASON)])

    def validate_amount(self, field) -> None:
        if self.decision.data == "correct" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the amount to credit."))


class CauseForm(FlaskForm):
    name = StringField(_l("New cause"), validators=[DataRequired(_l("Name the cause.")), Length(max=120)])


def _services() -> dict[str, str]:
    lang = str(get_locale() or "en")
    return {s.code: s.name(lang) for s in orders.list_service_types()}


@bp.app_template_global("qc_reason")
def qc_reason(reason: str):
    return quality.reason_label(reason)


@bp.get("/quality")
def quality_queue():
    """Open cases, longest waiting first, with filters; the random check and the sampling rate."""
    services = orders.service_names()
    form = QueueFilterForm(request.args)
    form.load_choices(services)
    cases = quality.case_queue(form.filters(), current_user.id, page_number())
    people_ids = sorted({c.assignee_id for c in cases.items if c.assignee_id}
                        | {c.worker_id for c in cases.items if c.worker_id})
    lang = str(get_locale() or "en")
    return render("managers/quality.html", "managers/_case_queue.html", form=form, cases=cases,
                  names=orders.people_names(people_ids), services={s.code: s.name(lang) for s in services},
                  sampling=SamplingForm(percent=quality.sampling_percent()))


@bp.post("/quality/random")
def check_random_order():
    """Open a case for a random completed order without one, assigned to the asking manager."""
    try:
        case = quality.check_random_order(current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("managers.quality_queue"))
    return redirect(url_for("managers.quality_case", case_id=case.id))


@bp.post("/quality/sampling")
def set_sampling():
    """Change the share of completed orders the scheduler checks."""
    form = SamplingForm()
    if form.validate_on_submit():
        quality.set_sampling_percent(form.percent.data, current_user)
        flash(_("From now on %(percent)s%% of completed orders are checked.", percent=form.percent.data), "success")
    else:
        flash(" ".join(str(e) for e in form.percent.errors), "error")
    return redirect(url_for("managers.quality_queue"))


def _case_or_404(case_id: int) -> quality.Case:
    try:
        return quality.get_case(case_id)
    except NotFound:
        abort(404)


def _assign_form(case: quality.Case, formdata=None) -> AssignForm:
    form = AssignForm(formdata=formdata, assignee=case.assignee_id)
    managers = people.search_people("manager", "", 1, per_page=100).items
    form.assignee.choices = [SelectChoice("", _l("Nobody"))] + [
        SelectChoice(m.id, m.name) for m in managers if m.active]
    return form


def _result_form(formdata=None) -> ResultForm:
    form = ResultForm(formdata=formdata)
    form.cause.choices = [SelectChoice("", _l("Choose…"))] + [
        SelectChoice(c.id, c.name) for c in quality.list_causes(active_only=True)]
    return form


def _case_page(case: quality.Case, result: ResultForm | None = None, status: int = 200,
               decision: DecisionForm | None = None):
    """The case with everything about the work (QC-3); a dispute with its line and the decision form."""
    detail = explanation = None
    if case.order_id is not None:  # a disputed bonus, payout or credit has no order
        try:
            detail = orders.order_detail(case.order_id, current_user)
        except NotFound:
            if not case.is_dispute:  # a dispute's line stands on its own
                abort(404)
        else:
            explanation = matching.explanation_for(case.order_id)
    ranked = [row["sample_id"] for row in (explanation or {}).get("ranking", [])]
    history = orders.worker_orders(case.worker_id, per_page=10).past if case.worker_id else None
    record = orders.worker_record(case.worker_id) if case.worker_id else None
    earlier = [c for c in quality.worker_cases(case.worker_id) if c.id != case.id]
    names = orders.people_names(sorted(set(ranked) | {i for i in (case.assignee_id, case.closed_by, case.disputed_by)
                                                      if i}))
    fragment = "managers/_dispute_decision.html" if case.is_dispute else "managers/_case_result.html"
    return render("managers/quality_case.html", fragment, status=status, case=case,
                  detail=detail, explanation=explanation, names=names, history=history, record=record, earlier=earlier,
                  services=_services(), assign=_assign_form(case), result=result or _result_form(),
                  decision=decision or DecisionForm())


@bp.get("/quality/cases/<int:case_id>")
def quality_case(case_id: int):
    """One case: the order's timeline, photos, kit, the client's word, why this worker, the worker's history."""
    return _case_page(_case_or_404(case_id))


@bp.post("/quality/cases/<int:case_id>/assign")
def assign_case(case_id: int):
    """Give the case to a manager."""
    case = _case_or_404(case_id)
    form = _assign_form(case, request.form)
    if form.validate_on_submit():
        try:
            quality.assign_case(case.id, form.assignee.data, current_user)
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Case assigned."), "success")
    return redirect(url_for("managers.quality_case", case_id=case.id))


@bp.post("/quality/cases/<int:case_id>/close")
def close_case(case_id: int):
    """Record the result and email it to the client and the worker (QC-4, QC-5)."""
    case = _case_or_404(case_id)
    form = _result_form(request.form)
    if form.validate_on_submit():
        try:
            quality.close_case(case.id, current_user, client_contacted=form.client_contacted.data == "yes",
                               findings=form.findings.data, cause_id=form.cause.data,
                               hypothesis=form.hypothesis.data or "",
                               worker_at_fault=form.worker_at_fault.data == "yes")
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Case closed; the client and the worker have been emailed the result."), "success")
            return redirect(url_for("managers.quality_case", case_id=case.id))
    return _case_page(_case_or_404(case_id), result=form)


@bp.post("/quality/cases/<int:case_id>/decide")
def decide_dispute(case_id: int):
    """Confirm a disputed line or correct it with a new entry; the disputer and the managers are emailed."""
    case = _case_or_404(case_id)
    if not case.is_dispute:
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        correct = form.decision.data == "correct"
        try:
            quality.resolve_dispute(case.id, current_user, correct=correct,
                                    amount=form.amount.money if correct else None, note=form.note.data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Dispute decided; the disputer and the managers have been emailed."), "success")
            return redirect(url_for("managers.quality_case", case_id=case.id))
    return _case_page(_case_or_404(case_id), decision=form)


@bp.route("/quality/causes", methods=["GET", "POST"])
def quality_causes():
    """The causes a case can be put down to: add one, retire one, bring one back."""
    form = CauseForm()
    if form.validate_on_submit():
        try:
            quality.add_cause(form.name.data, current_user)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Cause added."), "success")
            return redirect(url_for("managers.quality_causes"))
    return render("managers/quality_causes.html", form=form, causes=quality.list_causes())


@bp.post("/quality/causes/<int:cause_id>/<any(retire, restore):action>")
def switch_cause(cause_id: int, action: str):
    """Retire a cause (closed cases keep it) or put it back on the list."""
    try:
        quality.set_cause_active(cause_id, action == "restore", current_user)
    except NotFound:
        abort(404)
    return redirect(url_for("managers.quality_causes"))


@bp.get("/quality/report")
def quality_report():
    """The hypotheses by cause, with the supporting cases per week as a chart."""
    weeks = min(max(request.args.get("weeks", 12, type=int), 4), 52)
    return render("managers/quality_report.html", report=quality.hypotheses_report(weeks), weeks=weeks)
