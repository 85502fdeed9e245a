"""Managers' hiring pages: the pipeline with counts, filters and search, an applicant's file, test sets."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal import applicants
from portal.applicants.models import Application
from portal.notifications import Email
from tests.portal.applicants import factories as af


def test_the_pipeline_counts_filters_and_searches(client, db, login_as):
    manager = login_as("manager")
    service = af.vacancy()
    af.application(name="Mia Paws", service=service)
    contacted = af.application(name="Tom Tail", service=service).application
    applicants.mark_contacted(contacted.id, manager)
    db.session.commit()

    page = client.get("/manager/applicants").get_data(as_text=True)
    assert "Mia Paws" in page and "Tom Tail" in page
    assert re.search(r'stat-number">1</span><span class="stat-label">contacted', page)

    only_contacted = client.get("/manager/applicants?stage=contacted").get_data(as_text=True)
    assert "Tom Tail" in only_contacted and "Mia Paws" not in only_contacted
    table = client.get("/manager/applicants?q=mia", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert table.lstrip().startswith('<div id="applicants-table">')
    assert "Mia Paws" in table and "Tom Tail" not in table and "<html" not in table


def test_the_pipeline_search_takes_percent_and_underscore_as_characters_with_any_filters(client, db, login_as):
    manager = login_as("manager")
    cleaning, cooking = af.vacancy(), af.vacancy(code="cooking")
    af.application(name="Percy 100% Paws", service=cleaning)
    af.application(name="Plain 1000 Paws", service=cooking)
    moved = af.application(name="Percy 100% Tail", service=cleaning).application
    applicants.mark_contacted(moved.id, manager)
    db.session.commit()

    def names(query: str) -> set[str]:
        page = client.get(f"/manager/applicants?{query}").get_data(as_text=True)
        return set(re.findall(r"(P\w+ 100\S* \w+)</a>", page))

    assert names("q=100%25") == {"Percy 100% Paws", "Percy 100% Tail"}
    assert names("q=100%25&stage=contacted") == {"Percy 100% Tail"}
    assert names(f"q=100&vacancy={cooking.id}") == {"Plain 1000 Paws"}
    assert names("q=percy_") == set()  # "_" is a character, not any one character
    assert names(f"stage=new&vacancy={cleaning.id}") == {"Percy 100% Paws"}


def test_a_manager_notes_a_call_and_assigns_the_vacancy_default_test_set(client, db, login_as):
    login_as("manager", name="Marquise")
    service = af.vacancy()
    tset = af.test_set(af.skill_test(service), name="Cleaning basics")
    applicants.set_vacancy_default(service.id, tset.id)
    app = af.application(service=service).application
    db.session.commit()

    client.post(f"/manager/applicants/{app.id}/notes", data={"text": "Called on Monday."})
    response = client.post(f"/manager/applicants/{app.id}/test", data={"test_set_id": "0"})
    assert response.status_code == 303
    page = client.get(f"/manager/applicants/{app.id}").get_data(as_text=True)
    assert "Called on Monday." in page and "Marquise" in page
    assert "Test set assigned: Cleaning basics." in page
    email = db.session.scalar(select(Email).where(Email.template == "applicant_test_assigned"))
    assert re.search(r"/careers/test/[\w-]{40,}", email.text_body)


def test_the_result_shows_score_answers_pass_mark_and_standing_and_accepting_hires(client, db, login_as):
    login_as("manager")
    cleaning = af.vacancy("cleaning")
    app, _ = af.taken(right=2, service=cleaning, pass_mark=80)
    db.session.commit()
    page = client.get(f"/manager/applicants/{app.id}").get_data(as_text=True)
    assert "100%" in page and "2 of 2 points" in page and "80%" in page and "passed" in page
    assert "Question 1?" in page
    # The strength is suggested from the cleaning test.
    assert re.search(r'<input[^>]*checked[^>]*value="cleaning"|<input[^>]*value="cleaning"[^>]*checked', page)

    response = client.post(f"/manager/applicants/{app.id}/accept", data={"strengths": ["cleaning"]})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Application, app.id).stage == "accepted"
    assert "Welcome to MCF" in db.session.scalar(
        select(Email.subject).where(Email.template == "applicant_accepted"))


def test_a_stale_decision_is_refused_with_a_message(client, db, login_as):
    manager = login_as("manager")
    app = af.application().application
    applicants.reject(app.id, "", manager)
    db.session.commit()
    response = client.post(f"/manager/applicants/{app.id}/reject", data={"reason": "again"}, follow_redirects=True)
    assert "moved on meanwhile" in response.get_data(as_text=True)


def test_managers_build_a_test_and_a_set_and_choose_a_vacancy_default(client, db, login_as):
    login_as("manager")
    service = af.vacancy()
    db.session.commit()
    response = client.post("/manager/tests/new", data={"title": "Tidiness", "service_type_id": str(service.id)})
    test_url = response.headers["Location"]
    bad = client.post(f"{test_url}/questions", data={"text": "Dust first?", "points": "1", "choices": "Yes\nNo"})
    assert bad.status_code == 400 and "Mark the right answer with *" in bad.get_data(as_text=True)
    client.post(f"{test_url}/questions", data={"text": "Dust first?", "points": "2", "choices": "*Yes\nNo"})
    test = applicants.list_tests()[0]
    assert [(q.text, q.points, [c.correct for c in q.choices]) for q in test.questions] == \
        [("Dust first?", 2, [True, False])]

    client.post("/manager/test-sets/new", data={"name": "Basics", "time_limit_minutes": "20", "pass_mark": "95",
                                                "test_ids": [str(test.id)]})
    tset = applicants.list_test_sets()[0]
    assert (tset.name, tset.time_limit_minutes, tset.pass_mark) == ("Basics", 20, 95)
    client.post("/manager/test-sets/defaults", data={"service_type_id": str(service.id), "test_set_id": str(tset.id)})
    assert applicants.vacancy_defaults() == {service.id: tset.id}
    page = client.get("/manager/test-sets").get_data(as_text=True)
    assert "Basics" in page and "Tidiness" in page and "20 minutes" in page


def _log(page) -> list[str]:
    html = page.get_data(as_text=True)
    notes = html[html.index('<ul class="notes">'):html.index("</ul>", html.index('<ul class="notes">'))]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in re.findall(r"<br>(.*?)</li>", notes, re.S)]


def test_the_application_log_reads_in_the_manager_s_language_whoever_caused_each_step(client, login_as, app):
    from tests import factories
    from tests.accounts import emails_to

    ru_manager = factories.user("manager", language="ru")
    application, _ = af.taken(1, manager=ru_manager, questions=2)  # a Russian manager assigned the test
    af.application(email=application.email, language="ru")  # applied again, from the Russian form,
    token = re.search(r"/careers/changes/([\w-]+)", emails_to(application.email)[-1].text_body).group(1)
    applicants.confirm_change(token)  # and confirmed from the emailed link
    applicants.reject(application.id, "", ru_manager)

    login_as("manager")
    english = _log(client.get(f"/manager/applicants/{application.id}"))
    assert english[:3] == ["Rejected.", "Applied again (2 times); the details are updated.",
                           "Test taken: 1 of 2 points (50%)."]
    assert english[-1] == "Application received." and any(n.startswith("Test set assigned: Set") for n in english)

    russian_reader = app.test_client()
    russian_reader.post("/login", data={"email": ru_manager.email, "password": factories.PASSWORD})
    russian = _log(russian_reader.get(f"/manager/applicants/{application.id}"))
    assert russian[:3] == ["Кандидату отказано.", "Повторная заявка (2 раза); данные обновлены.",
                           "Тест пройден: 1 из 2 баллов (50%)."]
    assert russian[-1] == "Заявка получена."
