"""Racing on an account leaves one result: ten managers deactivating a worker at once sign it
out once, ten tabs using one set-password link set one password, ten tabs changing a password
with the same old one change it once (real threads, both databases)."""

from __future__ import annotations

from portal import people
from portal.people.passwords import verify_password
from tests import factories
from tests.accounts import password_link
from tests.racing import RACERS, browsers, events, race, user


def _passwords_that_work(user_id: int, candidates: list[str]) -> list[str]:
    """Which of ``candidates`` the account's password is (asked without signing in: failed
    sign-ins would be throttled)."""
    stored = user(user_id).password_hash
    return [pw for pw in candidates if verify_password(stored, pw)]


def test_ten_managers_deactivating_a_worker_at_once_deactivate_it_once(app, db):
    worker_id = factories.user("worker").id
    managers = [factories.user("manager").id for _ in range(RACERS)]

    results = race(app, *[(lambda m=m: people.set_active(worker_id, False, user(m))) for m in managers])

    assert all(isinstance(r, people.User) for r in results), results
    assert events("worker.deactivated", user_id=worker_id) == 1
    assert user(worker_id).active is False


def test_ten_tabs_using_one_set_password_link_set_one_password(app, db):
    manager = factories.user("manager")
    invited = people.invite_staff("warehouse", "new@example.test", "Barsik Shelves", "en", by=manager)
    link = password_link(invited.email)
    tabs = [app.test_client() for _ in range(RACERS)]
    chosen = [f"whiskers and paws {i}" for i in range(RACERS)]

    pages = race(app, *[(lambda tab=tab, pw=pw: tab.post(link, data={"password": pw, "confirm": pw}))
                        for tab, pw in zip(tabs, chosen)])

    signed_in = [pw for page, pw in zip(pages, chosen) if page.status_code == 302]
    assert len(signed_in) == 1, [p.status_code for p in pages]
    # The others see the link is spent: the form again (200) or the expired-link page (410).
    assert sorted({p.status_code for p in pages} - {302}) in ([200], [410], [200, 410])
    assert _passwords_that_work(invited.id, chosen) == signed_in


def test_ten_tabs_changing_the_password_at_once_change_it_once(app, db, client, login_as):
    me = login_as("client")
    tabs = browsers(app, client)
    chosen = [f"a brand new purr {i}" for i in range(RACERS)]

    pages = race(app, *[(lambda tab=tab, pw=pw: tab.post("/account/password", data={
        "old_password": factories.PASSWORD, "new_password": pw, "confirm": pw})) for tab, pw in zip(tabs, chosen)])

    changed = [pw for page, pw in zip(pages, chosen) if page.status_code in (302, 303)]
    assert len(changed) == 1, [p.status_code for p in pages]
    refusals = ("Your password was changed meanwhile: enter the new one as the current password.",
                "The current password is not right.")  # checked after or before the winner's commit
    losers = [p for p in pages if p.status_code not in (302, 303)]
    assert all(p.status_code == 200 and any(r in p.get_data(as_text=True) for r in refusals) for p in losers)
    assert _passwords_that_work(me.id, chosen + [factories.PASSWORD]) == changed
