from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from portal.i18n import LANGUAGES

LANGUAGE_CHOICES = list(LANGUAGES.items())


class StaffForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[("manager", _l("Manager")), ("warehouse", _l("Warehouse staff"))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter an email.")),
        Email(_l("This does not look like an email address."), check_deliverability=False)])
    language = SelectField(_l("Language of emails"), choices=LANGUAGE_CHOICES)


class WorkerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter an email.")),
        Email(_l("This does not look like an email address."), check_deliverability=False)])
    age = IntegerField(_l("Age"), validators=[Optional(), NumberRange(0, 40, _l("Age is 0 to 40 years."))])
    breed = StringField(_l("Breed"), validators=[Length(max=80)])
    fur_colour = StringField(_l("Fur colour"), validators=[Length(max=80)])
    about = TextAreaField(_l("About"), validators=[Length(max=2000)])
    photo = FileField(_l("Photo (JPEG, PNG or WebP, up to 10 MB)"))
    language = SelectField(_l("Language of emails"), choices=LANGUAGE_CHOICES)


class EmptyForm(FlaskForm):
    """A CSRF-protected button."""
