"""Form pieces and helpers every role uses (not a role itself)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal import people
from portal.errors import DomainError
from portal.i18n import LANGUAGES


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
