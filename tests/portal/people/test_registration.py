"""A sign-up becomes an account only through its emailed link, and only once."""

from __future__ import annotations

import re

from portal import people
from tests import factories
from tests.accounts import account_count, emails_to, published
from tests.racing import RACERS, failures, race_same, winners


def test_ten_clicks_on_the_link_at_once_open_one_account(app, db):
    people.request_registration("tom@example.test", factories.PASSWORD, "Tom", "1 Basket Road")
    token = re.search(r"/register/confirm/([\w-]+)", emails_to("tom@example.test")[-1].text_body).group(1)

    results = race_same(app, lambda: people.confirm_registration(token, factories.PASSWORD).email)

    assert failures(results) == [] and winners(results) == ["tom@example.test"]
    assert [str(r.message) for r in results if r not in winners(results)] == (
        ["This link has expired or was already used."] * (RACERS - 1))
    assert account_count() == 1 and len(published("client.registered")) == 1
    assert [e.template for e in emails_to("tom@example.test")] == ["registration_confirm", "welcome"]
