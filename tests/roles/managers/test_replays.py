"""Managers' drafts and replays through the HTTP client: make a draft, replay it over past
orders, read the report page by page, compare two reports, then enable or discard the draft."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from bench.generate import generate
from jobs.matching import replay_matching
from portal import clock, i18n, matching
from portal.db import db
from portal.matching.models import Replay, ReplayResult
from portal.people.models import User

HTMX = {"HX-Request": "true"}


@pytest.fixture
def manager(login_as):
    return login_as("manager")


@pytest.fixture
def history(db):
    generate(workers=20, clients=10, orders=150, seed=3)
    db.session.execute(update(User).where(User.email.like("%@bench.test")).values(
        created_at=clock.now() - timedelta(days=400)))
    db.session.commit()


def make_draft(client, name="Heavier workload") -> int:
    response = client.post("/manager/matching/drafts", data={"name": name})
    assert response.status_code == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


def days(back_first: int, back_last: int) -> dict:
    today = i18n.local_today()
    return {"since": (today - timedelta(days=back_first)).isoformat(),
            "until": (today - timedelta(days=back_last)).isoformat()}


def run_replay(client, draft_id: int, **period) -> Replay:
    response = client.post("/manager/matching/replays", data={"draft": draft_id, **(period or days(366, 0))})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    replay_id = int(response.headers["Location"].rsplit("/", 1)[1])
    replay_matching(db.session.get(Replay, replay_id).run_id)
    db.session.expire_all()
    return db.session.get(Replay, replay_id)


def live_steps():
    db.session.expire_all()
    return [(s.step, s.enabled, s.weight) for s in matching.current_pipeline().steps]


# --- drafts ----------------------------------------------------------------------------------

def test_a_draft_is_edited_apart_from_the_live_pipeline_then_enabled(client, manager, db):
    before = live_steps()
    draft_id = make_draft(client)
    page = client.get(f"/manager/matching/drafts/{draft_id}").get_data(as_text=True)
    assert "Draft: Heavier workload" in page and "nothing you change here reaches a match" in page
    step = next(s for s in matching.draft(draft_id).steps if s.step == "can_do_service")
    response = client.post(f"/manager/matching/steps/{step.id}/switch", headers=HTMX,
                           data={"enabled": "0", "version": 1, "pipeline": draft_id})
    assert "The step is off in the draft." in response.get_data(as_text=True)
    assert live_steps() == before  # the next match is not touched
    version = matching.draft(draft_id).version
    response = client.post(f"/manager/matching/drafts/{draft_id}/enable", data={"version": version})
    assert response.status_code == 303
    assert ("can_do_service", False, 1.0) in live_steps()
    assert matching.drafts() == []
    assert "The draft is enabled" in client.get("/manager/matching").get_data(as_text=True)


def test_a_draft_edited_from_a_stale_page_is_not_enabled(client, manager, db):
    draft_id = make_draft(client)
    before = live_steps()
    response = client.post(f"/manager/matching/drafts/{draft_id}/enable", data={"version": 7}, follow_redirects=True)
    assert "Someone changed the pipeline meanwhile" in response.get_data(as_text=True)
    assert live_steps() == before and len(matching.drafts()) == 1


def test_tuning_a_draft_leaves_the_live_weight(client, manager, db):
    draft_id = make_draft(client)
    step = next(s for s in matching.draft(draft_id).steps if s.step == "even_workload")
    prefix = f"step{step.id}-"
    response = client.post(f"/manager/matching/steps/{step.id}/tune", headers=HTMX, data={
        prefix + "version": 1, prefix + "pipeline": draft_id, prefix + "weight": "4", prefix + "scale": "5"})
    assert "The step is tuned in the draft." in response.get_data(as_text=True)
    assert ("even_workload", True, 1.0) in live_steps()
    db.session.expire_all()
    assert next(s.weight for s in matching.draft(draft_id).steps if s.step == "even_workload") == 4.0


@pytest.mark.parametrize("name", ["", " ", "x" * 41, "default"])
def test_a_draft_needs_a_fresh_name(client, manager, db, name):
    make_draft(client, "Taken")
    for bad in (name, "Taken"):
        response = client.post("/manager/matching/drafts", data={"name": bad})
        assert response.status_code == 200
        assert 'class="field-error"' in response.get_data(as_text=True)
    assert len(matching.drafts()) == 1


def test_discarding_a_draft_keeps_its_reports(client, manager, history):
    draft_id = make_draft(client)
    replay = run_replay(client, draft_id)
    response = client.post(f"/manager/matching/drafts/{draft_id}/discard", data={"version": 1})
    assert response.status_code == 303 and matching.drafts() == []
    assert "Heavier workload" in client.get(f"/manager/matching/replays/{replay.id}").get_data(as_text=True)


# --- replays ---------------------------------------------------------------------------------

def test_the_replays_page_says_to_make_a_draft_first(client, manager, db):
    page = client.get("/manager/matching/replays").get_data(as_text=True)
    assert "No draft to replay" in page and "No replays yet" in page


@pytest.mark.parametrize(("data", "message"), [
    ({"draft": "", **days(30, 1)}, "Choose a draft to replay."),
    ({"draft": "{draft}", "since": "yesterday", "until": "2026-11-01"}, "Not a valid date value."),
    ({"draft": "{draft}", **days(-1, -3)}, "Only past orders can be replayed"),
    ({"draft": "{draft}", **days(900, 1)}, "Replay at most 400 days at a time."),
    ({"draft": "999999", **days(30, 1)}, "This draft no longer exists."),
])
def test_a_bad_replay_request_says_why_and_starts_nothing(client, manager, db, data, message):
    draft_id = make_draft(client)
    data = {k: v.replace("{draft}", str(draft_id)) for k, v in data.items()}
    response = client.post("/manager/matching/replays", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Replay.id)) is None


def test_a_report_while_the_replay_runs_polls_then_shows_the_figures(client, manager, history):
    draft_id = make_draft(client)
    step = next(s for s in matching.draft(draft_id).steps if s.step == "past_results")
    matching.tune_step(step.id, weight=0.0, pipeline_id=draft_id)
    response = client.post("/manager/matching/replays", data={"draft": draft_id, **days(366, 0)})
    url = response.headers["Location"]
    waiting = client.get(url, headers=HTMX)
    assert waiting.status_code == 200 and 'hx-trigger="every 1s"' in waiting.get_data(as_text=True)
    assert "Waiting to start" in waiting.get_data(as_text=True)
    replay_id = int(url.rsplit("/", 1)[1])
    replay_matching(db.session.get(Replay, replay_id).run_id)
    done = client.get(url, headers=HTMX)
    text = done.get_data(as_text=True)
    assert done.status_code == 286 and "every 1s" not in text  # polling stops
    assert "150" in text and "orders replayed" in text
    assert "Share of orders by worker" in text and "<svg" in text
    assert "Why the choices differ" in text and "moved the points most" in text
    assert 'rel="next"' in text  # 150 orders: three pages of 50
    page3 = client.get(url + "?page=3").get_data(as_text=True)
    assert page3.count("/manager/orders/") == 50
    changed = client.get(url + "?changed=1").get_data(as_text=True)
    assert "moved the points most" in changed.split("Order by order")[1]


def test_two_reports_side_by_side(client, manager, history):
    first = run_replay(client, make_draft(client, "Same as live"))
    draft_id = make_draft(client, "No past results")
    step = next(s for s in matching.draft(draft_id).steps if s.step == "past_results")
    matching.tune_step(step.id, weight=0.0, pipeline_id=draft_id)
    second = run_replay(client, draft_id)
    listing = client.get("/manager/matching/replays").get_data(as_text=True)
    assert "Compare two reports" in listing
    page = client.get(f"/manager/matching/replays/compare?first={first.id}&second={second.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Same as live" in text and "No past results" in text
    assert f"chose a different worker {second.summary['changed']} time" in text


def test_comparing_needs_two_finished_replays(client, manager, db):
    response = client.get("/manager/matching/replays/compare?first=1")
    assert response.status_code == 303
    assert client.get("/manager/matching/replays/compare?first=1&second=2").status_code == 404
    assert client.get("/manager/matching/replays/compare?first=x&second=2").status_code == 404


def test_the_report_in_russian(client, login_as, history):
    login_as("manager", language="ru")
    replay = run_replay(client, make_draft(client))
    text = client.get(f"/manager/matching/replays/{replay.id}").get_data(as_text=True)
    assert "заказов проверено" in text and "Заказ за заказом" in text


# --- constant queries ------------------------------------------------------------------------

def _bulk_results(replay: Replay, n: int) -> None:
    start = db.session.scalar(select(db.func.count()).select_from(ReplayResult).where(ReplayResult.replay_id == replay.id))
    worker_ids = list(db.session.scalars(select(User.id).where(User.role == "worker")))
    db.session.execute(insert(ReplayResult), [dict(
        replay_id=replay.id, request_id=i, position=start + i, starts_at=clock.now(), actual_id=worker_ids[i % 3],
        live_id=worker_ids[i % len(worker_ids)], draft_id=worker_ids[(i + 1) % len(worker_ids)],
        deciding_step="past_results", deciding_how="scores", live_failed_before=False, draft_failed_before=i % 2 == 0,
        actual_failed_before=False) for i in range(n)])
    db.session.commit()
    matching.summarise(replay.id)


def test_the_replay_pages_run_as_many_statements_with_1000_rows_as_with_10(client, manager, history, count_queries):
    first = run_replay(client, make_draft(client, "A"))
    second = run_replay(client, make_draft(client, "B"))
    pages = ["/manager/matching/replays", f"/manager/matching/replays/{first.id}",
             f"/manager/matching/replays/{first.id}?changed=1&page=2",
             f"/manager/matching/replays/compare?first={first.id}&second={second.id}", "/manager/matching"]
    few = {}
    for url in pages:
        with count_queries() as n:
            assert client.get(url).status_code == 200
        few[url] = n.count
    for replay in (first, second):
        _bulk_results(replay, 1000)
    for i in range(5):
        make_draft(client, f"More {i}")
    for i in range(10):
        run_replay(client, make_draft(client, f"Replayed {i}"), **days(20 + i, 0))
    for url in pages:
        with count_queries() as n:
            assert client.get(url).status_code == 200
        assert n.count == few[url], f"{url}: {few[url]} statements before, {n.count} after:\n" + "\n".join(n.statements)
