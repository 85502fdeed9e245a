from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from portal.i18n import LANGUAGES

LANGUAGE_CHOICES = list(LANGUAGES.items())


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    next = HiddenField()


class RegisterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Tell us your name.")), Length(max=120)])
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter your email.")),
        Email(_l("This does not look like an email address."), check_deliverability=False),
        Length(max=254)])
    address = StringField(_l("Address"), validators=[
        DataRequired(_l("Where should workers come? Enter your address.")), Length(max=300)])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Choose a password.")), Length(min=8, max=200, message=_l("Use 8 to 200 characters."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        EqualTo("password", _l("The passwords do not match."))])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Tell us your name.")), Length(max=120)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class PasswordForm(FlaskForm):
    old_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a new password.")), Length(min=8, max=200, message=_l("Use 8 to 200 characters."))])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        EqualTo("new_password", _l("The passwords do not match."))])


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[
        DataRequired(_l("Choose a password.")), Length(min=8, max=200, message=_l("Use 8 to 200 characters."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        EqualTo("password", _l("The passwords do not match."))])
