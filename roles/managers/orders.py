"""Managers' orders: the list with filters and search, and one order with "why this worker"."""

from __future__ import annotations

from flask import request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import SearchField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal import client_billing, i18n, matching, orders
from portal.htmx import render
from portal.i18n import lazy_gettext as _l
from portal.inputs import page_number
from roles import order_pages
from roles.forms import DayField, SelectField, id_value
from roles.managers import bp

order_pages.install(bp)


class OrderFilterForm(FlaskForm):
    """GET filters: every one optional; a bad date is ignored with a message next to it."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional()])
    state = SelectField(_l("Status"), validators=[Optional()])
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    client = StringField(_l("Client"), validators=[Optional()])
    worker = StringField(_l("Worker"), validators=[Optional()])
    service_type = SelectField(_l("Service"), coerce=id_value,
                               validators=[Optional()])

    def load_choices(self, lang: str) -> None:
        self.state.choices = [SelectChoice("", _l("Any status"))] + [
            SelectChoice(s, orders.state_label(s)) for s in orders.STATES]
        self.service_type.choices = [SelectChoice("", _l("Any service"))] + [
            SelectChoice(s.id, s.name(lang)) for s in orders.service_names()]

    def filters(self) -> orders.OrderFilters:
        self.validate()  # a malformed date gets its message and is left out of the filter
        return orders.OrderFilters(
            state=self.state.data or "",
            date_from=None if self.date_from.errors else self.date_from.data,
            date_to=None if self.date_to.errors else self.date_to.data,
            client=self.client.data or "", worker=self.worker.data or "",
            service_type_id=None if self.service_type.errors else self.service_type.data,
            q=self.q.data or "", time_zone=i18n.display_zone())


@bp.get("/orders")
def orders_list():
    """Every order, filtered by status, dates, client, worker and service, searched, paginated."""
    form = OrderFilterForm(request.args)
    form.load_choices(str(get_locale() or "en"))
    results = orders.search_orders(form.filters(), page_number())
    return render("managers/orders.html", "managers/_orders_table.html", form=form,
                  results=results)


@bp.get("/orders/<int:order_id>")
def order(order_id: int):
    """One order: timeline, photos and the match explanation ("why this worker")."""
    detail = order_pages.detail_or_404(order_id)
    explanation = matching.explanation_for(order_id)
    ranked = [row["sample_id"] for row in (explanation or {}).get("ranking", [])]
    names = orders.people_names(ranked)
    return render("managers/orders_view.html", detail=detail, explanation=explanation, names=names,
                  charge=client_billing.order_charge(order_id))


@bp.get("/orders/<int:order_id>/photos/<any(check_in, report):kind>")
def order_photo(order_id: int, kind: str):
    """An order's check-in or report photo."""
    return order_pages.order_photo(order_id, kind)
