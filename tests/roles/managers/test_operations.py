"""The operations page: queues, dead messages, failed emails, unconfirmed events and the
processes, with retry and discard, on the real broker (in-process, or Redis with TEST_REDIS_URL)
and a real Dramatiq worker."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import dramatiq
import pytest

from jobs.broker import broker  # noqa: F401 - the broker is set before the test actor below
from portal import clock, events, operations
from portal.db import transaction
from portal.notifications import get_email, queue_email
from tests.waiting import wait_for

QUEUE = "operations_test"
_breaking = threading.Event()  # while set, the test job fails
_ran: list[int] = []


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def fragile_job(n: int) -> None:
    """A job that fails while the test says so, and notes each number it ran for otherwise."""
    if _breaking.is_set():
        raise RuntimeError(f"the cat knocked job {n} over")
    _ran.append(n)


@pytest.fixture
def event_consumers(monkeypatch):
    """``event_consumers("test.happened")(fn)`` registers ``fn`` for this test only."""
    import jobs.events

    monkeypatch.setattr(jobs.events, "_consumers", dict(jobs.events._consumers))
    return jobs.events.consumer


@pytest.fixture(autouse=True)
def _fresh_job():
    _breaking.clear()
    _ran.clear()
    yield
    _breaking.clear()


def _page(client) -> str:
    response = client.get("/manager/operations")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _dead(client) -> int:
    html = _page(client)
    row = re.search(rf'<tr data-queue="{QUEUE}">(.*?)</tr>', html, re.S).group(1)
    return int(re.findall(r"<td>(\d+)</td>", row)[3])  # waiting, in progress, delayed, dead


def _a_dead_message(client, n: int = 7) -> str:
    _breaking.set()
    fragile_job.send(n)
    wait_for(lambda: _dead(client) == 1, message="the failed job to be dead-lettered")
    return re.search(rf"/manager/operations/queues/{QUEUE}/dead/([0-9a-f-]+)/retry", _page(client)).group(1)


def test_a_dead_message_shows_with_its_error_and_retry_runs_it_again(client, login_as, jobs_worker):
    login_as("manager", name="Marquise")
    key = _a_dead_message(client)

    html = _page(client)
    assert "fragile_job(7)" in html
    assert "RuntimeError: the cat knocked job 7 over" in html
    assert _ran == []

    _breaking.clear()
    response = client.post(f"/manager/operations/queues/{QUEUE}/dead/{key}/retry", follow_redirects=True)
    assert "The message is back on its queue." in response.get_data(as_text=True)
    wait_for(lambda: _ran == [7], message="the retried job to run")
    html = _page(client)
    assert _dead(client) == 0
    assert "No dead messages." in html
    assert re.search(r"<strong>Marquise</strong> retried a dead message of queue operations_test", html)

    # A second click on the same (stale) button changes nothing and says why.
    again = client.post(f"/manager/operations/queues/{QUEUE}/dead/{key}/retry", follow_redirects=True)
    assert "no longer dead-lettered" in again.get_data(as_text=True)
    assert _ran == [7]


def test_discard_drops_a_dead_message_for_good(client, login_as, jobs_worker):
    login_as("manager")
    key = _a_dead_message(client)
    _breaking.clear()

    client.post(f"/manager/operations/queues/{QUEUE}/dead/{key}/discard")

    assert _dead(client) == 0
    assert "discarded a dead message of queue operations_test" in _page(client)
    assert _ran == []


def test_a_whole_queue_of_dead_messages_is_retried_at_once(client, login_as, jobs_worker):
    login_as("manager")
    _breaking.set()
    for n in (1, 2, 3):
        fragile_job.send(n)
    wait_for(lambda: _dead(client) == 3, message="three dead messages")
    _breaking.clear()

    response = client.post(f"/manager/operations/queues/{QUEUE}/dead/retry", follow_redirects=True)

    assert "3 messages are back on their queue." in response.get_data(as_text=True)
    wait_for(lambda: sorted(_ran) == [1, 2, 3], message="the three jobs to run")
    assert "retried 3 dead messages of queue operations_test" in _page(client)


def test_an_unknown_queue_or_a_malformed_message_is_not_found(client, login_as):
    login_as("manager")
    assert client.post("/manager/operations/queues/nope/dead/retry").status_code == 404
    assert client.post(f"/manager/operations/queues/{QUEUE}/dead/not-a-key/discard").status_code == 404


def test_a_scheduler_that_stopped_ticking_shows_red(client, login_as):
    login_as("manager")
    clock.freeze(clock.now())
    operations.beat(operations.SCHEDULER, "cats-1:4242")

    html = _page(client)
    assert 'id="scheduler-down"' not in html
    assert "cats-1:4242" in html

    clock.advance(timedelta(minutes=2, seconds=1))
    html = _page(client)
    assert 'id="scheduler-down"' in html
    assert re.search(r'class="stat stat-alert" id="scheduler-state"', html)


def test_no_scheduler_at_all_shows_red(client, login_as):
    login_as("manager")
    assert "No scheduler has ever ticked" in _page(client)


def test_the_workers_alive_are_counted_and_none_alive_shows_red(client, login_as, jobs_worker):
    login_as("manager")
    wait_for(lambda: 'id="no-worker"' not in _page(client), message="the worker's first heartbeat")
    assert re.search(r'<span class="stat-number">1</span>\s*<span class="stat-label">worker process alive', _page(client))

    clock.advance(timedelta(minutes=5))  # every beat is now older than WORKER_ALIVE
    html = _page(client)
    assert 'id="no-worker"' in html
    assert "worker, silent" in html


def test_a_failed_email_is_retried_or_put_aside(client, login_as, db):
    login_as("manager", name="Marquise")
    with transaction():
        first = queue_email("a@example.test", "welcome", "en", name="A")
        second = queue_email("b@example.test", "welcome", "en", name="B")
        for email in (first, second):
            email.state, email.attempts, email.last_error = "failed", 5, "SMTPRecipientsRefused: 550 No such mailbox"
    first_id, second_id = first.id, second.id

    html = _page(client)
    assert "550 No such mailbox" in html
    assert "2 emails failed for good." in html

    client.post(f"/manager/operations/emails/{first_id}/retry")
    client.post(f"/manager/operations/emails/{second_id}/discard")

    db.session.expire_all()
    assert get_email(first_id).state in ("queued", "kept", "sending", "sent")
    assert get_email(second_id).state == "discarded"
    html = _page(client)
    assert "No failed emails." in html
    assert "retried failed email #%d" % first_id in html
    assert "put aside failed email #%d" % second_id in html


def test_unconfirmed_events_show_the_consumers_that_lag_and_are_re_sent(client, login_as, jobs_worker, event_consumers):
    from tests.jobs.helpers import relay_off

    login_as("manager")
    handled = []

    def note_happening(payload, event_id):
        handled.append(payload["n"])

    event_consumers("test.happened")(note_happening)
    with relay_off(), transaction():
        events.publish("test.happened", {"n": 1})
        events.publish("test.happened", {"n": 2})

    html = _page(client)
    row = re.search(r"<tr><td><code>test.happened</code></td>(.*?)</tr>", html, re.S).group(1)
    assert "<td>2</td>" in row
    assert "test_operations.note_happening</code> (2)" in row

    client.post("/manager/operations/events/test.happened/resend")

    wait_for(lambda: sorted(handled) == [1, 2], message="both events to be handled")
    wait_for(lambda: "Every event is confirmed" in _page(client), message="the events to be confirmed")
    assert "re-sent 2 test.happened events" in _page(client)


def test_the_page_polls_itself_only_while_shown_and_a_poll_gets_the_fragment(client, login_as):
    login_as("manager")
    html = _page(client)
    assert 'hx-trigger="every 5s, shown"' in html and "data-pause-when-hidden" in html

    fragment = client.get("/manager/operations", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="operations-live"')
    assert "<html" not in fragment


def test_the_page_speaks_russian(client, login_as):
    login_as("manager", language="ru")
    html = _page(client)
    assert "Фоновая работа" in html
