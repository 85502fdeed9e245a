"""The board's filters and its CSRF-protected buttons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from portal import i18n, warehouse
from portal.i18n import lazy_gettext as _l
from roles.forms import DayField, SelectField


class BoardFilterForm(FlaskForm):
    """GET filters: the kits still to work on by default, or one state; optionally one day."""

    class Meta:
        csrf = False

    state = SelectField(_l("Kits"), validators=[Optional()], default=warehouse.WORKING)
    day = DayField(_l("Pickup day"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state.choices = [SelectChoice(warehouse.WORKING, _l("To work on")),
                              SelectChoice(warehouse.DUE_SOON, _l("Not ready, starting within 2 hours")),
                              SelectChoice("all", _l("All kits"))] + [
            SelectChoice(s, warehouse.kit_state_label(s)) for s in warehouse.KIT_STATES]

    def filters(self) -> warehouse.BoardFilters:
        self.validate()  # a malformed date gets its message and is left out of the filter
        return warehouse.BoardFilters(state=self.state.data or warehouse.WORKING,
                                      day=None if self.day.errors else self.day.data,
                                      time_zone=i18n.display_zone())


class KitActionForm(FlaskForm):
    """A CSRF-protected button on a kit."""
