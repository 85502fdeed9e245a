"""Forms of the managers' part."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    IntegerField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal import worker_billing
from portal.i18n import lazy_gettext as _l
from portal.money import Money
from roles.forms import MoneyField, SelectField, email_field, language_field, submission_key_field


class SkillsFields:
    """What hiring learned a worker is strong or weak at, by service type (matching reads them:
    a strength earns points, a weakness rules the worker out). Rendered as one table by
    ``managers/_skills.html``; the choices are the service types, given by ``offer_service_types``."""

    strengths = SelectMultipleField(_l("Strong at"), choices=[], validate_choice=True)
    weaknesses = SelectMultipleField(_l("Weak at"), choices=[], validate_choice=True)

    def offer_service_types(self, service_types, language: str) -> None:
        choices = [(s.code, s.name(language)) for s in service_types]
        self.strengths.choices = self.weaknesses.choices = choices

    def validate_weaknesses(self, field) -> None:
        both = set(self.strengths.data or []) & set(field.data or [])
        if both:
            names = ", ".join(label for code, label in field.choices if code in both)
            raise ValidationError(_l("Either a strength or a weakness, not both: %(types)s.", types=names))


class StaffForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice("manager", _l("Manager")),
                                            SelectChoice("warehouse", _l("Warehouse staff"))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    email = email_field()
    language = language_field(_l("Language of emails"))


class WorkerForm(SkillsFields, FlaskForm):
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


class SkillsForm(SkillsFields, FlaskForm):
    """A worker's skills, corrected on their page."""


class BonusForm(FlaskForm):
    """A bonus for the worker whose page it is on (BI-5): who gave it is recorded."""

    amount = MoneyField(_l("Amount (CU)"), validators=[DataRequired(_l("Enter an amount."))],
                        minimum=Money(1), maximum=worker_billing.MAX_BONUS)
    reason = TextAreaField(_l("Why"), validators=[DataRequired(_l("Say why the bonus is given.")),
                                                  Length(max=500)])
    once = submission_key_field()


class EmptyForm(FlaskForm):
    """A CSRF-protected button."""
