"""Racing clicks on disputes leave one result (real threads, both databases): ten tabs disputing
one line open one dispute; ten managers deciding one dispute post one correction."""

from __future__ import annotations

from sqlalchemy import func, select

from portal import ledger, quality, worker_billing
from portal.errors import Conflict
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import finish, lines_of
from tests.racing import RACERS, browsers, emails, failures, race, race_same, user


def _fine(worker_id: int) -> int:
    finish(factories.user("client").id, worker_id, "failed")
    (fine,) = lines_of(worker_id)
    return fine.id


def test_ten_tabs_disputing_one_fine_at_once_open_one_dispute(app, db, login_as, client):
    manager = factories.user("manager")
    me = login_as("worker")
    fine_id = _fine(me.id)
    tabs = browsers(app, client)

    results = race(app, *[(lambda tab=tab: tab.post(f"/worker/earnings/lines/{fine_id}/dispute",
                                                    data={"reason": "Not my fault"},
                                                    headers={"HX-Request": "true"}).status_code)
                          for tab in tabs])

    assert results == [200] * RACERS, results  # each tab gets the line's cell, none an error
    assert db.session.scalar(select(func.count()).select_from(quality.Case)) == 1
    assert emails("dispute_managers", to=manager.email) == 1


def test_ten_managers_deciding_one_dispute_at_once_post_one_correction(app, db):
    worker = factories.user("worker")
    fine_id = _fine(worker.id)
    case_id = quality.open_dispute(worker_billing.statement_line(worker.id, fine_id), "Not my fault", worker).id
    managers = [factories.user("manager").id for _ in range(RACERS)]

    results = race(app, *[(lambda m=m: quality.resolve_dispute(
        case_id, user(m), correct=True, amount=Money.cu(40), note=f"Decided by {m}")) for m in managers])

    assert not failures(results), results
    assert sum(isinstance(r, quality.Case) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == RACERS - 1
    assert [line.kind for line in lines_of(worker.id)] == ["fine", "correction"]
    assert ledger.balance(ledger.worker_account(worker.id)) == Money.zero()
    case = db.session.get(quality.Case, case_id)
    assert case.findings == f"Decided by {case.closed_by}"
    assert emails("dispute_result", to=worker.email) == 1


def test_the_same_dispute_sent_ten_times_at_once_by_the_operation_opens_one(app, db):
    worker_id = factories.user("worker").id  # ids cross threads, rows do not
    fine_id = _fine(worker_id)

    results = race_same(app, lambda: quality.open_dispute(
        worker_billing.statement_line(worker_id, fine_id), "Twice", user(worker_id)))

    assert not failures(results), results
    assert sum(isinstance(r, quality.Case) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == RACERS - 1
    assert [c.state for c in quality.disputes_of(worker_id)] == ["open"]
