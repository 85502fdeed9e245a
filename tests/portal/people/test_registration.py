"""A sign-up becomes an account only through its emailed link, and only once."""

from __future__ import annotations

import re
import threading

from portal import people
from portal.errors import DomainError
from tests import factories
from tests.accounts import account_count, emails_to, published


def test_two_racing_clicks_on_the_link_open_one_account(app, db):
    people.request_registration("tom@example.test", factories.PASSWORD, "Tom", "1 Basket Road")
    token = re.search(r"/register/confirm/([\w-]+)", emails_to("tom@example.test")[-1].text_body).group(1)
    db.session.remove()
    start = threading.Barrier(2, timeout=10)
    outcomes = []

    def confirm():
        with app.app_context():
            start.wait()
            try:
                outcomes.append(people.confirm_registration(token, factories.PASSWORD).email)
            except DomainError as exc:
                outcomes.append(str(exc.message))

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(outcomes) == ["This link has expired or was already used.", "tom@example.test"]
    assert account_count() == 1 and len(published("client.registered")) == 1
    assert [e.template for e in emails_to("tom@example.test")] == ["registration_confirm", "welcome"]
