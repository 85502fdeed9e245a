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
