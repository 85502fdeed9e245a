"""Forms of the managers' part."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from roles.forms import email_field, language_field


class StaffForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice("manager", _l("Manager")),
                                            SelectChoice("warehouse", _l("Warehouse staff"))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    email = email_field()
    language = language_field(_l("Language of emails"))


class WorkerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    email = email_field()
    age = IntegerField(_l("Age"), validators=[Optional(), NumberRange(0, 40, _l("Age is 0 to 40 years."))])
    breed = StringField(_l("Breed"), validators=[Length(max=80)])
    fur_colour = StringField(_l("Fur colour"), validators=[Length(max=80)])
    about = TextAreaField(_l("About"), validators=[Length(max=2000)])
    # Checked by content and re-encoded by the people context, whatever its name says.
    photo = FileField(_l("Photo (JPEG, PNG or WebP, up to 10 MB)"),
                      render_kw={"accept": "image/jpeg,image/png,image/webp"})
    language = language_field(_l("Language of emails"))


class EmptyForm(FlaskForm):
    """A CSRF-protected button."""
