"""The same email applying again: nothing changes until the owner of the address confirms, once."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal import applicants
from portal.applicants.models import Application, ApplicationNote
from tests.accounts import emails_to
from tests.portal.applicants import factories as af
from tests.racing import failures, race_same, winners


def _change_token(address: str) -> str:
    return re.search(r"/careers/changes/([\w-]+)", emails_to(address)[-1].text_body).group(1)


def test_ten_confirmations_of_one_change_at_once_apply_it_once(app, db):
    af.application(email="mia@example.test", name="Mia")
    af.application(email="mia@example.test", name="Mia Paws")
    token = _change_token("mia@example.test")

    results = race_same(app, lambda: applicants.confirm_change(token).id)

    assert failures(results) == [] and len(winners(results)) == 1
    application = db.session.scalar(select(Application))
    assert (application.name, application.times_applied) == ("Mia Paws", 2)
    notes = [applicants.note_text(n) for n in db.session.scalars(select(ApplicationNote))]
    assert sum("Applied again" in text for text in notes) == 1
    assert [e.template for e in emails_to("mia@example.test")] == [
        "applicant_received", "applicant_change_confirm", "applicant_received"]


def test_after_a_decision_a_confirmed_change_is_counted_but_the_details_stay(db):
    from tests import factories

    manager = factories.user("manager")
    first = af.application(email="tom@example.test", name="Tom")
    applicants.reject(first.application.id, "Not now.", by=manager)
    af.application(email="tom@example.test", name="Thomas")

    applicants.confirm_change(_change_token("tom@example.test"))

    application = db.session.scalar(select(Application))
    assert (application.name, application.stage, application.times_applied) == ("Tom", "rejected", 2)
