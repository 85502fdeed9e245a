"""Long lists say how long they are without counting every row: past the cap, "N+"."""

from __future__ import annotations

import pytest

from portal import paging
from tests.test_query_counts import _emails


@pytest.fixture
def small_cap(monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 30)


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_list_shorter_than_the_cap_says_its_exact_length(client, login_as, db, small_cap):
    viewer = login_as("manager")
    _emails(28, viewer)
    db.session.commit()
    html = _page(client, "/manager/emails")
    assert "28 emails" in html and "Page 1 of 2<" in html


def test_a_list_longer_than_the_cap_says_at_least_how_long(client, login_as, db, small_cap):
    viewer = login_as("manager")
    _emails(40, viewer)
    db.session.commit()
    html = _page(client, "/manager/emails")
    assert "30+ emails" in html and "Page 1 of 2+" in html
    assert 'rel="next"' in html
    # Near the end the rest is counted whole: the exact length again.
    html = _page(client, "/manager/emails?page=2")
    assert "40 emails" in html and "Page 2 of 2<" in html and 'rel="next"' not in html


def test_the_overview_counts_stop_at_the_cap(client, login_as, db, small_cap):
    viewer = login_as("manager")
    _emails(99, viewer)  # a third of them failed
    db.session.commit()
    html = _page(client, "/manager/")
    assert "<strong>30+</strong>" in html  # kept and queued: 33 each


def test_every_page_holds_the_rows_the_lists_order_puts_there(db):
    """Past the first page a page's keys are found first, then its rows with what they load:
    walked page by page, the list is the plain LIMIT/OFFSET one, each row once, in order."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from portal.people.models import User
    from tests import factories

    for i in range(23):
        factories.user("worker" if i % 3 else "client", name=f"Cat {i % 4}")
    db.session.commit()
    listed = (select(User).options(joinedload(User.worker_profile))
              .where(User.name.in_(["Cat 1", "Cat 2", "Cat 3"])).order_by(User.name.desc(), User.id.desc()))
    plain = [u.id for u in db.session.scalars(listed)]
    walked = [u.id for page in (1, 2, 3, 4) for u in paging.paginate(listed, page, 5).items]
    assert walked == plain and len(plain) == 17


def test_two_clients_homes_each_list_their_own_orders(client, login_as, db):
    """The homes' lists are built once and kept, the person a parameter: the second person's
    page must not be the first one's."""
    from tests.portal.orders.factories import book, service_type

    first = login_as("client")
    book(client=first, service=service_type(name_en="Window washing"))
    assert "Window washing" in client.get("/client/").get_data(as_text=True)
    client.post("/logout")
    second = login_as("client")
    book(client=second, service=service_type(name_en="Gardening"))
    html = client.get("/client/").get_data(as_text=True)
    assert "Gardening" in html and "Window washing" not in html
