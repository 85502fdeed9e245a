"""Ten managers recording the result of one quality case at once close it once: one result,
one email to the client and one to the worker (real threads, both databases)."""

from __future__ import annotations

import pytest

from portal import quality
from portal.errors import Conflict
from tests import factories
from tests.portal.bets.factories import accepted_order, fail
from tests.portal.quality.factories import hear_finished
from tests.racing import RACERS, emails, race, user

pytestmark = pytest.mark.usefixtures("kits_handed_out")


def test_ten_managers_closing_one_case_at_once_record_one_result(app, db):
    order = fail(accepted_order())
    case_id = hear_finished(order).id
    client_email, worker_email = user(order.client_id).email, user(order.worker_id).email
    managers = [factories.user("manager").id for _ in range(RACERS)]
    cause_id = quality.add_cause("Late bus", user(managers[0])).id

    results = race(app, *[(lambda m=m: quality.close_case(
        case_id, user(m), client_contacted=True, findings=f"Seen by manager {m}", cause_id=cause_id,
        hypothesis="", worker_at_fault=False)) for m in managers])

    closed = [r for r in results if isinstance(r, quality.Case)]
    assert len(closed) == 1 and sum(isinstance(r, Conflict) for r in results) == RACERS - 1, results
    case = db.session.get(quality.Case, case_id)
    assert case.state == "closed" and case.closed_by in managers
    assert case.findings == f"Seen by manager {case.closed_by}"  # one manager's result, whole
    assert emails("qc_result_client", to=client_email) == 1
    assert emails("qc_result_worker", to=worker_email) == 1


def test_ten_managers_setting_the_first_sampling_share_at_once_keep_one_setting(app, db):
    managers = [factories.user("manager").id for _ in range(RACERS)]

    results = race(app, *[(lambda i=i, m=m: quality.set_sampling_percent(10 + i, user(m)))
                          for i, m in enumerate(managers)])

    assert results == [None] * RACERS  # nobody gets an error
    assert 10 <= quality.sampling_percent() < 10 + RACERS
