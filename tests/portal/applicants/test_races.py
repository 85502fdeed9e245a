"""Racing clicks on an applicant leave one decision: ten managers accepting at once hire once,
"accept" racing "reject" leaves one of them, ten "hand in" clicks score once and ten "start"
clicks start once. Real threads through the real routes, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from portal import applicants
from portal.applicants.models import Application, ApplicationNote, Attempt, Question
from portal.db import db
from portal.errors import Conflict
from tests import factories
from tests.portal.applicants import factories as af
from tests.racing import RACERS, browsers, emails, events, race, user

ACCEPTED = "Accepted. The new worker is emailed a link to choose a password."
REJECTED = "Rejected. The applicant is emailed."
MOVED_ON = "This application has moved on meanwhile. Reload the page."


def _log_lines(application_id: int, text: str) -> int:
    """How many of the application's log lines read ``text`` (in English)."""
    notes = db.session.scalars(select(ApplicationNote).where(ApplicationNote.application_id == application_id))
    return sum(1 for note in notes if applicants.note_text(note) == text)


def _said(response, message: str) -> bool:
    return message in response.get_data(as_text=True)


def test_ten_managers_accepting_at_once_hire_once(app, db, client, login_as):
    login_as("manager")
    application, _ = af.taken(right=2)
    tabs = browsers(app, client)
    url = f"/manager/applicants/{application.id}/accept"

    pages = race(app, *[(lambda tab=tab: tab.post(url, data={}, follow_redirects=True)) for tab in tabs])

    assert [p.status_code for p in pages] == [200] * RACERS
    assert sum(_said(p, ACCEPTED) for p in pages) == 1
    assert sum(_said(p, MOVED_ON) for p in pages) == RACERS - 1
    assert db.session.get(Application, application.id).stage == "accepted"
    assert _log_lines(application.id, "Accepted.") == 1
    assert events("applicant.accepted", application_id=application.id) == 1
    assert emails("applicant_accepted", to=application.email) == 1


def test_accept_racing_reject_leaves_one_decision(app, db, client, login_as):
    login_as("manager")
    application, _ = af.taken(right=2)
    tabs = browsers(app, client)
    base = f"/manager/applicants/{application.id}"
    clicks = [(lambda tab=tab: tab.post(f"{base}/accept", data={}, follow_redirects=True)) for tab in tabs[::2]]
    clicks += [(lambda tab=tab: tab.post(f"{base}/reject", data={"reason": "Too sleepy"}, follow_redirects=True))
               for tab in tabs[1::2]]

    pages = race(app, *clicks)

    assert [p.status_code for p in pages] == [200] * RACERS
    accepted, rejected = sum(_said(p, ACCEPTED) for p in pages), sum(_said(p, REJECTED) for p in pages)
    assert accepted + rejected == 1
    stage = db.session.get(Application, application.id).stage
    assert stage == ("accepted" if accepted else "rejected")
    # A rejected applicant never becomes a worker: no hiring event, no welcome.
    assert events("applicant.accepted", application_id=application.id) == accepted
    assert emails("applicant_accepted", to=application.email) == accepted
    assert emails("applicant_rejected", to=application.email) == rejected


def _answered(right: int = 2):
    """An application whose test is started and answered, not yet handed in; its link token."""
    application, token = af.assigned(questions=2)
    attempt = applicants.start_attempt(token)
    for i, question in enumerate(applicants.questions_of(attempt.test_set)):
        pick = "Yes" if i < right else "No"
        applicants.save_answer(token, question.id, [c.id for c in question.choices if c.text == pick])
    return application, token


def test_ten_hand_in_clicks_score_the_attempt_once(app, db):
    application, token = _answered()
    tabs = [app.test_client() for _ in range(RACERS)]

    pages = race(app, *[(lambda tab=tab: tab.post(f"/careers/test/{token}", data={"action": "finish"}))
                        for tab in tabs])

    assert [p.status_code for p in pages] == [303] * RACERS  # each lands on the finished test
    attempt = db.session.scalar(select(Attempt).where(Attempt.application_id == application.id))
    assert (attempt.score, attempt.max_score, attempt.passed) == (2, 2, True)
    assert _log_lines(application.id, "Test taken: 2 of 2 points (100%).") == 1
    assert emails("applicant_test_taken", to=application.email) == 1


def test_ten_start_clicks_start_the_test_once(app, db):
    application, token = af.assigned()
    tabs = [app.test_client() for _ in range(RACERS)]

    pages = race(app, *[(lambda tab=tab: tab.post(f"/careers/test/{token}", data={"action": "start"}))
                        for tab in tabs])

    started = [p for p in pages if p.status_code == 303]
    refused = [p for p in pages if _said(p, "This test has already been started; it cannot be started again.")]
    assert (len(started), len(refused)) == (1, RACERS - 1)
    assert all(p.status_code == 200 for p in refused)
    assert applicants.attempt_state(applicants.latest_attempt(application.id)) == "running"


def test_ten_managers_calling_accept_at_once_publish_one_event(app, db):
    """The same without HTTP: what a job or another context calling ``accept`` gets."""
    application, _ = af.taken(right=2)
    managers = [factories.user("manager").id for _ in range(RACERS)]
    application_id = application.id

    results = race(app, *[(lambda m=m: applicants.accept(application_id, [], [], user(m))) for m in managers])

    assert sum(isinstance(r, Application) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == RACERS - 1, results
    assert events("applicant.accepted", application_id=application.id) == 1
    assert emails("applicant_accepted", to=application.email) == 1


def test_ten_questions_added_at_once_each_take_their_own_place(app, db):
    test_id = af.skill_test(questions=0).id

    results = race(app, *[(lambda i=i: applicants.add_question(
        test_id, f"Question {i}?", False, 1, [("Yes", True), ("No", False)])) for i in range(RACERS)])

    assert all(isinstance(r, Question) for r in results), results
    assert sorted(q.position for q in applicants.get_test(test_id).questions) == list(range(1, RACERS + 1))
