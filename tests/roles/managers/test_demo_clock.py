"""The demo clock as a manager uses it: a confirmation that says what will happen, the portal's
time in every page's header, nobody signed out by a jump, and the jump kept across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal import clock
from portal.app import _init_demo_clock
from tests import factories
from tests.portal.orders.factories import book, service_type


@pytest.fixture
def demo_mode(app):
    app.config["DEMO"] = True
    yield
    app.config["DEMO"] = False


def test_the_buttons_say_what_the_jump_will_do_and_every_page_shows_the_portals_time(client, login_as, db, demo_mode):
    clock.freeze(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    login_as("manager")
    factories.user("worker"), factories.user("worker")
    service = service_type()
    for hours in (3, 30, 60):
        book(service=service, hours_ahead=hours)
    page = client.get("/manager/billing").get_data(as_text=True)
    assert ("Move the portal&#39;s clock to Sunday 29 Nov 2026, 20:01 (UTC)? 3 orders will play out as their "
            "workers and clients would. Weekly invoices will be issued and charged.") in page
    assert "Move the portal&#39;s clock to Monday 30 Nov 2026, 20:01 (UTC)?" in page
    assert "Monthly payouts will be paid." in page
    assert 'data-testid="portal-clock"' in page and "in the portal it is 23 Nov 2026, 07:00 (UTC)" in page

    client.post("/manager/billing/clock/sunday", headers={"Accept-Language": "en"})
    home = client.get("/manager/").get_data(as_text=True)
    assert "in the portal it is 29 Nov 2026, 20:01 (UTC)" in home
    assert "The portal&#39;s clock now says Sunday 29 Nov 2026, 20:01 (UTC). 3 orders played out." in home


def test_no_banner_when_the_clock_tells_the_real_time(client, login_as, db, demo_mode):
    login_as("manager")
    assert 'data-testid="portal-clock"' not in client.get("/manager/billing").get_data(as_text=True)


def test_jumps_a_month_ahead_keep_the_manager_signed_in_and_survive_a_restart(client, login_as, db, demo_mode, tmp_path):
    _init_demo_clock(SimpleNamespace(config={"DEMO": True}, instance_path=str(tmp_path)))  # as make run starts
    login_as("manager")
    client.post("/manager/billing/clock/month_end")
    client.post("/manager/billing/clock/month_end")  # over a month ahead: past the sign-in's 14 days
    moved_to = clock.now()
    assert moved_to - datetime.now(UTC) > timedelta(days=20)
    assert client.get("/manager/billing").status_code == 200  # still signed in

    clock.reset()  # the process ends: its memory of the clock is gone
    assert clock.now() < moved_to - timedelta(days=20)
    _init_demo_clock(SimpleNamespace(config={"DEMO": True}, instance_path=str(tmp_path)))  # make run again
    assert abs(clock.now() - moved_to) < timedelta(minutes=1)
    assert client.get("/manager/billing").status_code == 200


def test_outside_demo_mode_the_clock_is_never_kept(tmp_path):
    _init_demo_clock(SimpleNamespace(config={"DEMO": False}, instance_path=str(tmp_path)))
    clock.advance(timedelta(days=3))
    assert list(tmp_path.iterdir()) == []


def test_a_second_click_of_the_same_button_moves_the_clock_once(client, login_as, db, demo_mode):
    clock.freeze(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    login_as("manager")
    sunday = datetime(2026, 11, 29, 20, 1, tzinfo=UTC)
    assert f'name="at" value="{sunday.isoformat()}"' in client.get("/manager/billing").get_data(as_text=True)
    client.post("/manager/billing/clock/sunday", data={"at": sunday.isoformat()})
    second = client.post("/manager/billing/clock/sunday", data={"at": sunday.isoformat()}, follow_redirects=True)
    assert clock.now() == sunday
    assert "The portal&#39;s clock is already past Sunday 29 Nov 2026, 20:01 (UTC)." in second.get_data(as_text=True)
    bad = client.post("/manager/billing/clock/sunday", data={"at": "next week"}, follow_redirects=True)
    assert "The clock was not moved: reload the page and choose again." in bad.get_data(as_text=True)
    assert clock.now() == sunday


def test_a_jump_while_another_is_moving_the_clock_is_refused(client, login_as, db, demo_mode):
    from portal import demo

    clock.freeze(datetime(2026, 11, 23, 7, 0, tzinfo=UTC))
    login_as("manager")
    with demo._moving:  # another manager's jump is walking through the week
        page = client.post("/manager/billing/clock/sunday", follow_redirects=True).get_data(as_text=True)
    assert "The portal&#39;s clock is moving already" in page
    assert clock.now() == datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
