"""The managers' pipeline editor, through the HTTP client."""

import re

import pytest

from portal import matching
from tests.portal.matching.helpers import reference, sample

HTMX = {"HX-Request": "true"}


def config(name):
    return next(s for s in matching.current_pipeline().steps if s.step == name)


def version():
    return matching.current_pipeline().version


@pytest.fixture
def manager(login_as):
    return login_as("manager")


def test_the_editor_lists_the_steps_in_order(client, manager):
    page = client.get("/manager/matching")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    labels = ["Free at that time", "Never the worker who failed this client", "Can do this service",
              "Strong at this service", "Past results", "Even workload"]
    assert [text.index(label) for label in labels] == sorted(text.index(label) for label in labels)
    assert "<html" in text


def test_an_htmx_edit_gets_only_the_fragment_and_applies_to_the_next_match(client, manager, db):
    candidates = [sample(1, weaknesses=("cleaning",), completed=30, rating_sum=150, rating_count=30), sample(2)]
    assert matching.match(reference(), candidates).sample_id == 2
    response = client.post(f"/manager/matching/steps/{config('can_do_service').id}/switch",
                           data={"enabled": "0", "version": version()}, headers=HTMX)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text
    assert text.startswith('<section id="pipeline"') or 'id="pipeline"' in text[:300]
    assert "The step is off" in text
    db.session.expire_all()
    assert matching.match(reference(), candidates).sample_id == 1


def test_a_plain_post_redirects_back_with_a_message(client, manager, db):
    response = client.post(f"/manager/matching/steps/{config('even_workload').id}/move",
                           data={"direction": "up", "version": version()})
    assert response.status_code == 303 and response.headers["Location"].endswith("/manager/matching")
    assert "The step is moved." in client.get("/manager/matching").get_data(as_text=True)
    db.session.expire_all()
    assert [s.step for s in matching.current_pipeline().steps][-2:] == ["even_workload", "past_results"]


def test_tuning_a_weight_and_parameters(client, manager, db):
    c = config("past_results")
    response = client.post(f"/manager/matching/steps/{c.id}/tune", headers=HTMX, data={
        f"step{c.id}-version": version(), f"step{c.id}-weight": "3.5", f"step{c.id}-prior": "10",
        f"step{c.id}-rating_share": "0.5", f"step{c.id}-dispute_penalty": "2"})
    assert "The step is tuned" in response.get_data(as_text=True)
    db.session.expire_all()
    c = config("past_results")
    assert c.weight == 3.5 and c.params == {"prior": 10, "rating_share": 0.5, "dispute_penalty": 2}


@pytest.mark.parametrize("value, message", [
    ("-1", "Enter a number from 0 to 1"),
    ("lots", "Not a valid float value"),
    ("", "Enter a number."),
])
def test_a_bad_value_is_shown_next_to_its_field_and_changes_nothing(client, manager, db, value, message):
    c = config("past_results")
    before = (version(), c.weight, c.params)
    response = client.post(f"/manager/matching/steps/{c.id}/tune", headers=HTMX, data={
        f"step{c.id}-version": version(), f"step{c.id}-weight": "2", f"step{c.id}-prior": "5",
        f"step{c.id}-rating_share": value, f"step{c.id}-dispute_penalty": "1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The step is not changed" in text
    field_error = re.search(rf'id="step{c.id}-rating_share-error"[^>]*>([^<]*)<', text)
    assert field_error and message in field_error.group(1)
    assert f'value="{value}"' in text if value else True  # what the manager typed stays
    db.session.expire_all()
    c = config("past_results")
    assert (version(), c.weight, c.params) == before


def test_required_steps_cannot_be_switched_off_or_removed(client, manager, db):
    c = config("free_at_slot")
    page = client.get("/manager/matching").get_data(as_text=True)
    assert f"/manager/matching/steps/{c.id}/remove" not in page  # no button offered
    response = client.post(f"/manager/matching/steps/{c.id}/remove", data={"version": version()}, headers=HTMX)
    assert "cannot be removed" in response.get_data(as_text=True)
    response = client.post(f"/manager/matching/steps/{c.id}/switch", data={"enabled": "0", "version": version()}, headers=HTMX)
    assert "cannot be switched off" in response.get_data(as_text=True)
    db.session.expire_all()
    assert config("free_at_slot").enabled


def test_removing_and_adding_a_step(client, manager, db):
    c = config("strong_at_service")
    response = client.post(f"/manager/matching/steps/{c.id}/remove", data={"version": version()}, headers=HTMX)
    text = response.get_data(as_text=True)
    assert "The step is removed" in text
    assert '<option value="strong_at_service">' in text  # offered again in "Add a step"
    response = client.post("/manager/matching/steps", data={"step": "strong_at_service", "version": version()}, headers=HTMX)
    assert "The step is added" in response.get_data(as_text=True)
    db.session.expire_all()
    assert matching.current_pipeline().steps[-1].step == "strong_at_service"


def test_unknown_or_duplicate_steps_are_refused_with_a_message(client, manager, db):
    before = version()
    for name, message in (("astrology", "There is no step called astrology."),
                          ("past_results", "This step is already in the pipeline.")):
        response = client.post("/manager/matching/steps", data={"step": name, "version": before}, headers=HTMX)
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert version() == before


def test_an_edit_from_a_stale_page_is_refused_and_shows_the_pipeline_as_it_is(client, manager, db):
    stale = version()
    c = config("even_workload")
    client.post(f"/manager/matching/steps/{c.id}/move", data={"direction": "up", "version": stale}, headers=HTMX)
    response = client.post(f"/manager/matching/steps/{c.id}/move", data={"direction": "up", "version": stale}, headers=HTMX)
    text = response.get_data(as_text=True)
    assert "Someone changed the pipeline meanwhile" in text
    assert f'name="version" value="{stale + 1}"' in text
    db.session.expire_all()
    assert [s.step for s in matching.current_pipeline().steps][-2:] == ["even_workload", "past_results"]


def test_a_step_removed_meanwhile_gets_a_clear_message(client, manager, db):
    response = client.post("/manager/matching/steps/999999/switch", data={"enabled": "0", "version": version()}, headers=HTMX)
    assert "This step is no longer in the pipeline." in response.get_data(as_text=True)


def test_edits_need_a_csrf_token(app, client, manager, db):
    app.config["WTF_CSRF_ENABLED"] = True
    c = config("even_workload")
    response = client.post(f"/manager/matching/steps/{c.id}/switch", data={"enabled": "0", "version": version()})
    assert response.status_code == 403 and b"Your form expired or came from elsewhere" in response.data
    db.session.expire_all()
    assert config("even_workload").enabled


@pytest.mark.parametrize("role", ["client", "worker", "warehouse"])
def test_only_managers_reach_the_editor(client, login_as, db, role):
    login_as(role)
    assert client.get("/manager/matching").status_code == 403
    assert client.post("/manager/matching/steps", data={"step": "past_results", "version": 1}).status_code == 403


def test_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/manager/matching")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def render_explanation(app, explanation, names=None):
    from flask import render_template

    with app.test_request_context():
        return render_template("managers/_match_explanation.html", explanation=explanation, names=names)


def test_why_this_worker_shows_the_winner_first_with_each_steps_points(app, db):
    result = matching.match(reference(), [sample(1, busy=True), sample(2, strengths=("cleaning",)), sample(3)])
    matching.record_match(5, result)
    html = render_explanation(app, matching.explanation_for(5), names={2: "Murka", 3: "Barsik"})
    assert html.index("Murka") < html.index("Barsik")
    assert "<strong>Murka</strong> ✓" in html
    assert "Strong at this service" in html and "Past results" in html and "Even workload" in html
    assert re.search(r"Free at that time</td>\s*<td>1</td>", html)  # one ruled out as busy


def test_why_nobody_says_which_filter_ruled_everyone_out(app, db):
    html = render_explanation(app, matching.match(reference(), [sample(1, busy=True)]).explanation)
    assert "the last ones were ruled out by “Free at that time”" in html
    html = render_explanation(app, matching.match(reference(), []).explanation)
    assert "there was no active worker to choose from" in html
    assert "has not been matched yet" in render_explanation(app, None)
