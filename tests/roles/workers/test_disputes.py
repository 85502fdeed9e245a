"""A worker disputes a line of their earnings; the statement shows the dispute's state next to it."""

from __future__ import annotations

from sqlalchemy import select

from portal import quality
from portal.db import db
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import finish, lines_of
from tests.racing import emails


def _page(client) -> str:
    return client.get("/worker/earnings").get_data(as_text=True).replace("\u00a0", " ")


def _fine(worker_id: int) -> int:
    finish(factories.user("client").id, worker_id, "failed")
    db.session.commit()
    (fine,) = lines_of(worker_id)
    return fine.id


def test_a_worker_disputes_a_fine_with_htmx_and_the_line_says_so(client, login_as):
    manager = factories.user("manager")
    me = login_as("worker")
    fine_id = _fine(me.id)
    assert "Dispute" in _page(client)

    cell = client.post(f"/worker/earnings/lines/{fine_id}/dispute", data={"reason": "The client was out."},
                       headers={"HX-Request": "true"}).get_data(as_text=True)

    assert "disputed: a manager is looking" in cell and "<textarea" not in cell  # one open dispute per line
    assert "disputed: a manager is looking" in _page(client)
    (case,) = quality.disputes_of(me.id)
    assert case.complaint == "The client was out." and case.line_kind == "fine"
    assert emails("dispute_managers", to=manager.email) == 1


def test_without_javascript_the_dispute_is_sent_and_the_page_shows_it(client, login_as):
    me = login_as("worker")
    fine_id = _fine(me.id)
    response = client.post(f"/worker/earnings/lines/{fine_id}/dispute", data={"reason": "Not me"})
    assert response.status_code == 303 and response.location.endswith("/worker/earnings")
    page = client.get(response.location).get_data(as_text=True)
    assert "Your dispute is sent" in page and "disputed: a manager is looking" in page


def test_an_empty_or_too_long_reason_is_a_message_and_changes_nothing(client, login_as):
    me = login_as("worker")
    fine_id = _fine(me.id)
    for reason, message in (("", "Say what is wrong with this line."), ("x" * 1001, "1000")):
        cell = client.post(f"/worker/earnings/lines/{fine_id}/dispute", data={"reason": reason},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
        assert message in cell and "<textarea" in cell
    assert quality.disputes_of(me.id) == []


def test_a_second_dispute_of_an_open_one_is_refused_with_a_message(client, login_as):
    me = login_as("worker")
    fine_id = _fine(me.id)
    client.post(f"/worker/earnings/lines/{fine_id}/dispute", data={"reason": "One"})
    cell = client.post(f"/worker/earnings/lines/{fine_id}/dispute", data={"reason": "Two"},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "disputed already" in cell
    assert len(quality.disputes_of(me.id)) == 1


def test_another_workers_line_is_not_found_and_nothing_is_opened(client, login_as):
    other = factories.user("worker")
    fine_id = _fine(other.id)
    login_as("worker")
    assert client.post(f"/worker/earnings/lines/{fine_id}/dispute", data={"reason": "Mine?"}).status_code == 404
    assert client.post("/worker/earnings/payouts/1/dispute", data={"reason": "Mine?"}).status_code == 404
    assert db.session.scalars(select(quality.Case)).all() == []


def test_the_decision_shows_next_to_the_line(client, login_as):
    manager = factories.user("manager")
    me = login_as("worker")
    fine_id = _fine(me.id)
    client.post(f"/worker/earnings/lines/{fine_id}/dispute", data={"reason": "Late bus"})
    (case,) = quality.disputes_of(me.id)
    quality.resolve_dispute(case.id, manager, correct=True, amount=Money.cu(40), note="The bus broke down.")
    db.session.commit()
    page = _page(client)
    assert "corrected by 40.00 CU" in page and "The bus broke down." in page
    assert "correction after a dispute" in page
