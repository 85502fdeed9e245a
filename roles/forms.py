"""Form pieces and helpers every role uses (not a role itself)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.errors import DomainError
from portal.i18n import LANGUAGES
from portal.people import MAX_PASSWORD, MIN_PASSWORD


def apply_domain_error(form: FlaskForm, exc: DomainError) -> None:
    """Show a refused operation's message next to its field, or above the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)


def email_field(label=_l("Email")) -> EmailField:
    return EmailField(label, validators=[
        DataRequired(_l("Enter an email address.")),
        Email(_l("This does not look like an email address."), check_deliverability=False),
        Length(max=254),
    ])


def language_field(label=_l("Language")) -> SelectField:
    return SelectField(label, choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()])


def new_password_field(label=_l("Password")) -> PasswordField:
    return PasswordField(label, validators=[
        DataRequired(_l("Choose a password.")),
        Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
               message=_l("Use %(min)s to %(max)s characters.", min=MIN_PASSWORD, max=MAX_PASSWORD)),
    ])


def confirm_field(of: str, label=_l("Repeat the password")) -> PasswordField:
    return PasswordField(label, validators=[EqualTo(of, _l("The passwords do not match."))])
