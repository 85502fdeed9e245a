"""The client's forms: booking, rebooking, rating, reporting a problem."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal import i18n, orders, timezones
from portal.i18n import lazy_gettext as _l
from portal.money import Money
from roles.forms import DayField, SelectField, id_value, submission_key_field

HOURS = [SelectChoice(h, _l("%(num)s h", num=h)) for h in range(1, 9)]


class WhenForm(FlaskForm):
    """A date and a time on the client's own clock (their zone); the order keeps it in UTC."""

    date = DayField(_l("Date"), validators=[InputRequired(_l("Choose a date."))])
    time = TimeField(_l("Start time"), validators=[InputRequired(_l("Choose a time."))])

    def validate_time(self, field) -> None:
        if self.date.data and field.data:
            try:
                self.start()
            except timezones.NonexistentLocalTime:
                raise ValidationError(_l("The clocks skip this hour that night (daylight saving time). "
                                         "Choose another time.")) from None

    def start(self) -> datetime:
        """The UTC moment; a time repeated when the clocks go back is its first occurrence."""
        return timezones.to_utc(self.date.data, self.time.data, i18n.display_zone())


class BookingForm(WhenForm):
    service_type = SelectField(_l("Service"), coerce=id_value,
                               validators=[InputRequired(_l("Choose a service."))])
    description = TextAreaField(_l("What needs doing"), validators=[
        DataRequired(_l("Say what needs doing.")), Length(max=2000)])
    address = StringField(_l("Address"), validators=[DataRequired(_l("Enter the address.")),
                                                     Length(max=300)])
    hours = SelectField(_l("How long"), coerce=int, choices=HOURS, default=2)
    once = submission_key_field()

    def load_services(self, services: list[orders.ServiceType]) -> None:
        lang = str(get_locale() or "en")
        self.service_type.choices = [
            SelectChoice(s.id, f"{s.name(lang)} · {Money(s.base_price_cents).format(lang)}")
            for s in services]


class RateForm(FlaskForm):
    stars = RadioField(_l("Your rating"), coerce=int, choices=[SelectChoice(n, str(n)) for n in range(5, 0, -1)],
                       validators=[InputRequired(_l("Give 1 to 5 stars."))])
    comment = TextAreaField(_l("A comment (optional)"), validators=[Optional(), Length(max=2000)])


class ProblemForm(FlaskForm):
    comment = TextAreaField(_l("What went wrong"), validators=[
        DataRequired(_l("Tell us what went wrong.")), Length(max=2000)])
