"""Form pieces and helpers every role uses (not a role itself)."""

from __future__ import annotations

import secrets
from datetime import date

from flask_babel import get_locale
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms import SelectField as _WTFormsSelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from portal import people, quality
from portal.errors import DomainError
from portal.i18n import LANGUAGES
from portal.i18n import lazy_gettext as _l
from portal.inputs import MAX_ID, whole_number
from portal.money import Money


def html_params(**kwargs) -> Markup:
    """WTForms' ``html_params``, the same HTML: WTForms writes each attribute through
    ``Markup.format`` (string.Formatter), ~110 µs for an input's six attributes against ~16 µs
    here; a list page's filter form writes eight fields."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(widgets.core.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{escape(value)}"')  # escape() writes " as &#34;
    return Markup(" ".join(params))


# WTForms' <input> and <button> widgets write their attributes through this class attribute,
# there to be replaced; every input and button of every form goes through the one above.
widgets.Input.html_params = staticmethod(html_params)
widgets.Button.html_params = staticmethod(html_params)


class _Select(widgets.Select):
    """WTForms' select with its plain options written in one pass: WTForms builds each option
    through html_params and looks up render_option's signature on every render (a tenth of a
    list page with three filter selects). Same HTML; options with groups or their own
    attributes still go through WTForms."""

    def __call__(self, field, **kwargs):
        choices = list(field.iter_choices())  # a list in WTForms 3.3; read twice below
        if self.multiple or field.has_groups() or any(c.render_kw for c in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = field.flags
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for c in choices:
            value = str(c.value) if isinstance(c.value, bool) else c.value
            selected = "selected " if c.selected else ""
            html.append(f'<option {selected}value="{escape(value)}">{escape(c.label or c.value)}</option>')
        html.append("</select>")
        return Markup("".join(html))


class SelectField(_WTFormsSelectField):
    """The portal's select: WTForms' own, rendered faster (``_Select``)."""

    widget = _Select()


def submission_key_field() -> HiddenField:
    """A key made when the form is shown and sent back with it: the operation acts once per
    key, so a double click or a second tab's copy of the same form does not act twice."""
    return HiddenField(default=lambda: secrets.token_urlsafe(18), validators=[Length(max=40)])


def apply_domain_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a refused operation's message next to its field, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_shape(form: FlaskForm, field) -> None:
    """The people context's own rule, so a form and an operation never disagree."""
    try:
        people.valid_email(field.data)
    except DomainError as exc:
        raise ValidationError(exc.message) from None


def email_field(label=_l("Email")) -> EmailField:
    return EmailField(label, filters=[_strip],
                      validators=[DataRequired(_l("Enter an email address.")), _email_shape])


def language_field(label=_l("Language")) -> SelectField:
    return SelectField(label, choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()])


def new_password_field(label=_l("Password")) -> PasswordField:
    return PasswordField(label, validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=people.MIN_PASSWORD, max=people.MAX_PASSWORD,
               message=_l("Use %(min)s to %(max)s characters.",
                          min=people.MIN_PASSWORD, max=people.MAX_PASSWORD)),
    ])


def confirm_field(of: str, label=_l("Repeat the password")) -> PasswordField:
    return PasswordField(label, validators=[EqualTo(of, _l("The passwords do not match."))])


def id_value(value) -> int | None:
    """``coerce=`` for a select or checkboxes of ids: empty is None; a number no row can have
    (past MAX_ID, or not a plain number) is refused as a choice, with the field's message."""
    if value is None or value == "":
        return None
    number = whole_number(str(value), 0)
    if number is None:
        raise ValueError("not an id")
    return number


def id_field(message=None) -> IntegerField:
    """A hidden number that names a row (a version, a service): required, at most MAX_ID."""
    message = message or _l("Reload the page and try again.")
    return IntegerField(validators=[InputRequired(message), NumberRange(0, MAX_ID, message)])


class DayField(DateField):
    """A date the portal can count days from: years 1970 to 2999. A date past that (9999-12-31)
    would overflow the moment a day is added to it; it gets a message and stays empty."""

    FIRST, LAST = date(1970, 1, 1), date(2999, 12, 31)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.FIRST <= self.data <= self.LAST:
            self.data = None
            raise ValueError(_l("Enter a date between %(first)s and %(last)s.",
                                first=self.FIRST.year, last=self.LAST.year))


class MoneyField(StringField):
    """An amount of CU as people type it in either language (``12.50``, ``1 234,50``), between
    ``minimum`` and ``maximum``; ``.money`` holds it once the form validates. Bounded here so
    a typed amount past what the columns hold is a message, never an overflow."""

    LONGEST = 30  # characters: more is no amount anyone means

    def __init__(self, label=None, validators=None, *, maximum: Money, minimum: Money = Money(0),
                 example=_l("Enter an amount like 25 or 12.50."), **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.example = minimum, maximum, example
        self.money: Money | None = None

    def post_validate(self, form, validation_stopped: bool) -> None:
        text = (self.data or "").strip()
        if validation_stopped or not text:
            return  # a required field has said so already; an optional one may stay empty
        try:
            if len(text) > self.LONGEST:
                raise ValueError(text)
            money = Money.parse(text)
        except ValueError:
            raise ValidationError(self.example) from None
        locale = str(get_locale() or "en")
        if money < self.minimum:
            raise ValidationError(_l("At least %(min)s.", min=self.minimum.format(locale)))
        if money > self.maximum:
            raise ValidationError(_l("At most %(max)s.", max=self.maximum.format(locale)))
        self.money = money


class DisputeForm(FlaskForm):
    """A client or a worker disputes a line of their statement (SPEC §14)."""

    reason = TextAreaField(_l("What is wrong with this line?"),
                           validators=[DataRequired(_l("Say what is wrong with this line.")),
                                       Length(max=quality.MAX_REASON)])
