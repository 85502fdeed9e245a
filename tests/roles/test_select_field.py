"""The portal's select writes exactly the HTML WTForms' own widget writes (it is only faster)."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from roles.forms import SelectField


class Filters(Form):
    plain = SelectField("Plain", choices=[SelectChoice("", "Any <status>"), SelectChoice("open", "Open & shut"),
                                          SelectChoice(3, "Three")], validators=[Optional()])
    numbers = SelectField("Numbers", coerce=int, choices=[SelectChoice(1, "one"), SelectChoice(2, 'two "2"')],
                          validators=[DataRequired()])
    flags = SelectField("Flags", choices=[SelectChoice(True, "yes"), SelectChoice(False, "")])
    grouped = SelectField("Grouped", choices=[SelectChoice("tom", "Tom", optgroup="Cats"),
                                              SelectChoice("rex", "Rex", optgroup="Dogs")])
    styled = SelectField("Styled", choices=[SelectChoice("a", "A", render_kw={"disabled": True})])


@pytest.mark.parametrize("name", ["plain", "numbers", "flags", "grouped", "styled"])
@pytest.mark.parametrize("attrs", [{}, {"aria-describedby": "x-hint", "aria-invalid": "true"}])
def test_the_select_is_written_as_wtforms_writes_it(app, name, attrs):
    with app.test_request_context():
        form = Filters(MultiDict({"plain": "open", "numbers": "2", "flags": "True", "grouped": "rex"}))
        field = form[name]
        ours = field(**attrs)
        assert isinstance(ours, Markup) and ours == widgets.Select()(field, **attrs)
        assert "selected" in ours or name == "styled"
