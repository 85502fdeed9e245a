"""Managers maintain the service types: names and descriptions in both languages, price, active."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal import orders
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render
from portal.i18n import lazy_gettext as _l
from roles.forms import MoneyField, apply_domain_error
from roles.managers import bp


class ServiceTypeForm(FlaskForm):
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(_l("Enter the English name.")), Length(max=120)])
    name_ru = StringField(_l("Name (Russian)"), validators=[DataRequired(_l("Enter the Russian name.")), Length(max=120)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=2000)])
    description_ru = TextAreaField(_l("Description (Russian)"), validators=[Length(max=2000)])
    base_price = MoneyField(_l("Base price, CU"), default="100.00", validators=[DataRequired(_l("Enter a price."))],
                            maximum=orders.MAX_BASE_PRICE, example=_l("Enter a price like 100 or 99.50."))
    active = BooleanField(_l("Offered to clients"), default=True)

    def save(self, service_type_id: int | None = None) -> orders.ServiceType:
        args = (self.name_en.data, self.name_ru.data, self.description_en.data or "",
                self.description_ru.data or "")
        if service_type_id is None:
            return orders.create_service_type(self.code.data, *args, base_price=self.base_price.money,
                                              active=self.active.data)
        return orders.update_service_type(service_type_id, *args, self.base_price.money, self.active.data)


class NewServiceTypeForm(ServiceTypeForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter a code.")), Length(max=40)])


@bp.get("/service-types")
def service_types():
    """Every service type, active or not."""
    return render("managers/service_types.html", services=orders.list_service_types())


def _edit(form: ServiceTypeForm, service_type_id: int | None, service=None):
    if form.validate_on_submit():
        try:
            saved = form.save(service_type_id)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("%(name)s is saved.", name=saved.name(str(get_locale() or "en"))), "success")
            return redirect(url_for("managers.service_types"))
    return render("managers/service_types_form.html", form=form, service=service)


@bp.route("/service-types/new", methods=["GET", "POST"])
def new_service_type():
    """Add a service type (base price 100 CU unless changed)."""
    return _edit(NewServiceTypeForm(), None)


@bp.route("/service-types/<int:service_type_id>", methods=["GET", "POST"])
def edit_service_type(service_type_id: int):
    """Rename, re-describe, re-price, or stop offering a service type."""
    try:
        service = orders.get_service_type(service_type_id)
    except NotFound:
        abort(404)
    form = ServiceTypeForm(obj=service)
    if not form.is_submitted():
        cu, hundredths = divmod(service.base_price_cents, 100)
        form.base_price.data = f"{cu}.{hundredths:02d}"
    return _edit(form, service_type_id, service)
