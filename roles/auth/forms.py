"""Forms of signing in, registering and one's own account."""

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.i18n import lazy_gettext as _l
from roles.forms import confirm_field, email_field, language_field, new_password_field


class LoginForm(FlaskForm):
    # No email-shape check: a mistyped address gets the same answer as a wrong password.
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    next = HiddenField()


class RegisterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Tell us your name.")), Length(max=120)])
    email = email_field()
    address = StringField(_l("Address"), validators=[
        DataRequired(_l("Where should workers come? Enter your address.")), Length(max=300)])
    password = new_password_field()
    confirm = confirm_field("password")
    language = language_field()
    # The browser's zone, filled in by static/js/portal.js (empty without JavaScript).
    time_zone = HiddenField(render_kw={"data-browser-zone": ""})


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Tell us your name.")), Length(max=120)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    language = language_field()
    # Free text searched against a datalist of IANA zones; the account checks it is one of them.
    time_zone = StringField(_l("Time zone"), validators=[
        Length(max=64, message=_l("Choose a time zone from the list, e.g. Europe/Moscow."))],
                            render_kw={"list": "time-zones", "autocomplete": "off", "spellcheck": "false"})


class PasswordForm(FlaskForm):
    old_password = PasswordField(_l("Current password"),
                                 validators=[DataRequired(_l("Enter your current password."))])
    new_password = new_password_field(_l("New password"))
    confirm = confirm_field("new_password", _l("Repeat the new password"))


class SetPasswordForm(FlaskForm):
    password = new_password_field()
    confirm = confirm_field("password")


class ConfirmRegistrationForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
