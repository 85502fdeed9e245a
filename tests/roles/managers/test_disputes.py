"""A manager decides a dispute on its case page: confirm, or correct with an amount and a reason."""

from __future__ import annotations

from portal import ledger, quality, worker_billing
from portal.db import db
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import finish, lines_of
from tests.racing import emails


def _disputed_fine(name="Whiskers"):
    worker = factories.user("worker", name=name)
    finish(factories.user("client").id, worker.id, "failed")
    (fine,) = lines_of(worker.id)
    case = quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "The client was out.", worker)
    db.session.commit()
    return worker, case


def test_the_queue_and_the_case_page_show_the_disputed_line(client, login_as):
    login_as("manager")
    _worker, case = _disputed_fine()
    queue = client.get("/manager/quality?reason=dispute").get_data(as_text=True)
    assert f"/manager/quality/cases/{case.id}" in queue and "disputed statement line" in queue
    page = client.get(f"/manager/quality/cases/{case.id}").get_data(as_text=True).replace("\u00a0", " ")
    assert "The disputed line" in page and "−40.00 CU" in page and "The client was out." in page and "Whiskers" in page
    assert "Record the decision and email it" in page and "Close the case and email the result" not in page


def test_a_manager_corrects_a_fine_and_both_sides_are_emailed(client, login_as):
    me = login_as("manager")
    colleague = factories.user("manager")
    worker, case = _disputed_fine()

    response = client.post(f"/manager/quality/cases/{case.id}/decide",
                           data={"decision": "correct", "amount": "40", "note": "The bus broke down."})

    assert response.status_code == 303
    db.session.expire_all()
    case = db.session.get(quality.Case, case.id)
    assert (case.outcome, case.correction_cents, case.closed_by) == ("corrected", 4_000, me.id)
    assert ledger.balance(ledger.worker_account(worker.id)) == Money.zero()
    assert emails("dispute_result", to=worker.email) == 1
    assert emails("dispute_managers", to=colleague.email) == 2  # opened, then decided
    assert emails("dispute_managers", to=me.email) == 1  # opened; the decider knows the rest
    page = client.get(f"/manager/quality/cases/{case.id}").get_data(as_text=True)
    assert "corrected by" in page and "The bus broke down." in page and "Record the decision" not in page


def test_a_correction_without_an_amount_or_a_reason_is_a_message_and_changes_nothing(client, login_as):
    login_as("manager")
    worker, case = _disputed_fine()
    for data, message in (({"decision": "correct", "amount": "", "note": "x"}, "Enter the amount to credit."),
                          ({"decision": "correct", "amount": "abc", "note": "x"}, "Enter an amount like"),
                          ({"decision": "confirm", "note": ""}, "Say why."),
                          ({"note": "x"}, "Choose: confirm or correct.")):
        page = client.post(f"/manager/quality/cases/{case.id}/decide", data=data,
                           headers={"HX-Request": "true"}).get_data(as_text=True)
        assert message in page, data
    db.session.expire_all()
    assert db.session.get(quality.Case, case.id).state == "open"
    assert [line.kind for line in lines_of(worker.id)] == ["fine"]


def test_a_manager_confirms_a_bonus_line_that_has_no_order(client, login_as):
    manager = login_as("manager")
    worker = factories.user("worker")
    bonus = worker_billing.give_bonus(worker.id, Money.cu(5), "Nice", by=manager)
    case = quality.open_dispute(worker_billing.statement_line(worker.id, bonus.id), "We said 50", worker)
    db.session.commit()
    assert "The disputed line" in client.get(f"/manager/quality/cases/{case.id}").get_data(as_text=True)
    client.post(f"/manager/quality/cases/{case.id}/decide", data={"decision": "confirm", "note": "We said 5."})
    db.session.expire_all()
    assert db.session.get(quality.Case, case.id).outcome == "confirmed"
    assert emails("dispute_result", to=worker.email) == 1


def test_the_decide_route_is_only_for_disputes(client, login_as):
    login_as("manager")
    assert client.post("/manager/quality/cases/987654/decide", data={"decision": "confirm", "note": "x"}).status_code == 404
