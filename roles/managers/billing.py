"""Managers' billing: reports with charts and CSV, runs now, bonuses, the conservation check,
and in demo mode the clock moved to the next billing moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask import abort, current_app, flash, request, url_for
from flask_babel import format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import Optional

from portal import (
    client_billing,
    clock,
    demo,
    i18n,
    ledger,
    orders,
    people,
    runs,
    timezones,
    worker_billing,
)
from portal.errors import DomainError
from portal.htmx import redirect, render
from portal.i18n import lazy_gettext as _l
from portal.money import Money
from portal.spreadsheets import csv_response
from roles.forms import DayField
from roles.managers import bp
from roles.managers.forms import EmptyForm

# The run kinds a manager may start now (jobs.billing.WEEKLY_NOW / MONTHLY_NOW).
RUN_KINDS = {"weekly": "billing.weekly_invoices_now", "monthly": "billing.monthly_payouts_now"}
DEFAULT_DAYS = 91


class RangeForm(FlaskForm):
    """The reports' date range (GET, so a filtered report can be bookmarked)."""

    class Meta:
        csrf = False

    since = DayField(_l("From"), validators=[Optional()])
    until = DayField(_l("To"), validators=[Optional()])


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # inclusive

    @property
    def weeks(self) -> tuple[str, str]:
        return _week_key(self.since), _week_key(self.until)

    @property
    def months(self) -> tuple[str, str]:
        return f"{self.since:%Y-%m}", f"{self.until:%Y-%m}"

    @property
    def moments(self) -> tuple[datetime, datetime]:
        """The days as the manager reads them: in their own zone."""
        return timezones.day_range(self.since, self.until, i18n.display_zone())


@bp.app_template_filter("period_start")
def period_start(key: str) -> date:
    """The first day of a billing period key: ``2026-W48`` → its Monday, ``2026-11`` → the 1st."""
    if "-W" in key:
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    year, month = key.split("-")
    return date(int(year), int(month), 1)


@bp.app_template_filter("month_label")
def month_label(first_day: date) -> str:
    """A month as a chart names it: ``Nov 2026`` / ``нояб. 2026``."""
    language = str(get_locale() or "en")
    return format_date(first_day, "LLL y", locale=language)


def _week_key(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _period(form: RangeForm) -> Period:
    until = form.until.data or i18n.local_today()
    since = form.since.data or until - timedelta(days=DEFAULT_DAYS)
    return Period(min(since, until), max(since, until))


def _reports(period: Period) -> dict:
    return dict(
        revenue=client_billing.revenue_by_week(*period.weeks),
        payouts=worker_billing.payouts_by_month(*period.months),
        unpaid=client_billing.unpaid_invoices(),
        bonuses=worker_billing.bonuses(*period.moments),
    )


def _page():
    form = RangeForm(request.args)
    form.validate()
    period = _period(form)
    response = render("managers/billing.html", form=form, period=period,
                      button=EmptyForm(), runs=_billing_runs(), failure_label=client_billing.failure_label,
                      jumps=_jumps() if current_app.config["DEMO"] else None, **_reports(period))
    return response


def _billing_runs():
    return [run for run in runs.recent_runs(50) if run.kind.startswith("billing.")][:10]


@bp.get("/billing")
def billing():
    """BI-9: revenue by week, payouts by month, unpaid invoices, discounts, fines and bonuses."""
    return _page()


def _cents(money: Money) -> str:
    """Plain ``-1234.50`` for spreadsheets (no grouping, no unit)."""
    units, hundredths = divmod(abs(money.cents), 100)
    return f"{'-' if money.cents < 0 else ''}{units}.{hundredths:02d}"


def _csv_rows(report: str, period: Period):
    if report == "revenue":
        yield ["week", "invoices", "list_price", "discounts", "billed", "paid", "outstanding"]
        for r in client_billing.revenue_by_week(*period.weeks):
            yield [r.week_key, r.invoices, *map(_cents, (r.list_price, r.discounts, r.billed, r.paid, r.outstanding))]
    elif report == "payouts":
        yield ["month", "payouts", "earned", "bonuses", "fines", "to_pay", "paid", "debt_carried"]
        for r in worker_billing.payouts_by_month(*period.months):
            yield [r.month_key, r.payouts, *map(_cents, (r.earned, r.bonuses, r.fines, r.amount, r.paid, r.carried))]
    elif report == "unpaid":
        yield ["invoice", "client_id", "client", "email", "week", "amount", "state", "tries", "last_failure"]
        for r in client_billing.unpaid_invoices(limit=100_000):
            yield [r.id, r.client_id, r.client_name, r.client_email or "", r.week_key, _cents(r.amount), r.state,
                   r.tries, r.last_failure or ""]
    else:
        yield ["bonus", "worker_id", "worker", "amount", "reason", "given_by", "booked_at"]
        for r in worker_billing.bonuses(*period.moments, limit=100_000):
            yield [r.id, r.worker_id, r.worker_name, _cents(r.amount), r.reason, r.given_by or "",
                   r.booked_at.isoformat()]


@bp.get("/billing/<any(revenue, payouts, unpaid, bonuses):report>.csv")
def billing_csv(report: str):
    """A report as CSV for the period in the query string."""
    form = RangeForm(request.args)
    form.validate()
    period = _period(form)
    return csv_response(_csv_rows(report, period), f"{report}-{period.since}-{period.until}.csv")


@bp.post("/billing/runs/<any(weekly, monthly):kind>")
def billing_run(kind: str):
    """Start the weekly invoicing or the monthly payouts now; its progress shows on the page."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        runs.request_run(RUN_KINDS[kind], started_by=current_user.name)
    except DomainError as exc:
        flash(str(exc.message), "error")
    else:
        flash(_("Started; the progress is below."), "success")
    return redirect(url_for("managers.billing"))


@bp.get("/billing/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    """Any client's invoice, line by line, as the client sees it (opened from the reports)."""
    bill = client_billing.invoice_lines(invoice_id)
    return render("managers/billing_invoice.html", bill=bill, client=people.get_user(bill.invoice.client_id),
                  orders=orders.orders_by_id([c.order_id for c in bill.lines if c.order_id is not None]),
                  failure_label=client_billing.failure_label)


@bp.get("/billing/check")
def billing_check():
    """The conservation check (also ``flask check-ledger``): every entry sums to zero, every
    order, invoice and payout balances to the cent against the ledger."""
    return render("managers/billing_check.html", unbalanced=ledger.unbalanced_entries(),
                  client_problems=client_billing.problems(), worker_problems=worker_billing.problems(),
                  total=ledger.total_of_all_postings())


def _moment(to: str) -> datetime:
    return next_sunday_evening(clock.now()) if to == "sunday" else next_month_end_evening(clock.now())


def _when(moment: datetime) -> str:
    """The moment as "Sunday 6 Dec 2026, 20:01 (Europe/Moscow)": in the reader's zone, named."""
    return f"{format_datetime(moment, 'EEEE')} {i18n.format_datetime(moment)} ({i18n.display_zone().key})"


def _jumps() -> dict[str, tuple[str, str]]:
    """Where each demo clock button moves the clock (sent back with the click, so a second
    click of the same button finds the clock there and does nothing) and, in words, what it
    will do, for its confirmation."""
    return {to: (moment.isoformat(), jump_words(demo.preview_jump(moment)))
            for to, moment in ((to, _moment(to)) for to in ("sunday", "month_end"))}


def jump_words(jump: demo.Jump) -> str:
    """The confirmation: "Move the portal's clock to Sunday 6 Dec 2026, 20:01 (…)? 14 orders …"."""
    parts = [_("Move the portal's clock to %(when)s?", when=_when(jump.to)),
             ngettext("%(num)s order will play out as its worker and client would.",
                      "%(num)s orders will play out as their workers and clients would.", jump.orders)]
    if jump.weekly_invoices:
        parts.append(_("Weekly invoices will be issued and charged."))
    if jump.monthly_payouts:
        parts.append(_("Monthly payouts will be paid."))
    parts.append(_("Everyone stays signed in; the clock cannot be moved back."))
    return " ".join(parts)


@bp.post("/billing/clock/<any(sunday, month_end):to>")
def billing_clock(to: str):
    """Demo only: move the portal clock to the next billing moment; the orders in the skipped
    time play out and the runs due meanwhile happen on the way."""
    if not current_app.config["DEMO"]:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    moment = _moment(to)
    try:
        if request.form.get("at"):
            _check_target(request.form["at"], moment)
        jump = demo.jump_to(moment)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("managers.billing"))
    flash(" ".join([
        _("The portal's clock now says %(when)s.", when=_when(jump.to)),
        ngettext("%(num)s order played out.", "%(num)s orders played out.", jump.orders)]), "success")
    return redirect(url_for("managers.billing"))


def _check_target(sent: str, moment: datetime) -> None:
    """The button's moment must still be the next one: a second click of the same button (the
    clock is there already) or a stale page moves nothing."""
    try:
        target = datetime.fromisoformat(sent)
    except ValueError:
        raise DomainError(_l("The clock was not moved: reload the page and choose again.")) from None
    if target.tzinfo is not None and target <= clock.now():
        raise DomainError(_l("The portal's clock is already past %(when)s.", when=_when(target)))
    if target != moment:
        raise DomainError(_l("The clock was not moved: reload the page and choose again."))


def next_sunday_evening(now: datetime) -> datetime:
    """Just past the next weekly cut-off (Sunday 20:00 in the portal's zone)."""
    return client_billing.BILLING_WEEKS.next_due_after(now) + timedelta(minutes=1)


def next_month_end_evening(now: datetime) -> datetime:
    """Just past the next month's cut-off (its last day, 20:00 in the portal's zone)."""
    return worker_billing.PAYOUT_MONTHS.next_due_after(now) + timedelta(minutes=1)
