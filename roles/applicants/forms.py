"""The public application form."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from portal.i18n import lazy_gettext as _l
from roles.forms import SelectField, email_field


class ApplyForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Tell us your name.")), Length(max=120)])
    email = email_field(_l("Your email"))
    age = IntegerField(_l("Age, years"), validators=[
        InputRequired(_l("Tell us your age in years.")), NumberRange(0, 40, _l("Age is 0 to 40 years."))])
    breed = StringField(_l("Breed"), validators=[DataRequired(_l("Tell us your breed.")), Length(max=80)])
    fur_colour = StringField(_l("Fur colour"), validators=[DataRequired(_l("Tell us your fur colour.")),
                                                           Length(max=80)])
    service_type_id = SelectField(_l("The work you want to do"), coerce=int,
                                  validators=[DataRequired(_l("Choose the work you want to do."))])
    about = TextAreaField(_l("A few words about yourself"), validators=[Length(max=2000)])
    # Checked by its first bytes here; a job re-encodes it (no slow work in the request).
    photo = FileField(_l("Your photo (JPEG, PNG or WebP, up to 5 MB)"),
                      render_kw={"accept": "image/jpeg,image/png,image/webp"})
    # Bots fill every field; people never see this one (hidden by CSS, skipped by keyboard).
    website = StringField(_l("Leave this empty"), render_kw={"tabindex": "-1", "autocomplete": "off"})
    # When the form was shown, signed: a form sent back within seconds was not typed.
    started = HiddenField()
