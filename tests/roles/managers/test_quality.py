"""The managers' quality pages: queue, case, result form, causes, sampling, report."""

import pytest
from sqlalchemy import select

from portal import quality
from portal.notifications import Email
from tests.portal.bets.factories import accepted_order, fail, kits_handed_out  # noqa: F401
from tests.portal.quality.factories import completed_order, hear_finished

pytestmark = pytest.mark.usefixtures("kits_handed_out")


def test_a_failed_orders_case_is_worked_and_closed_from_its_page(client, login_as, db):
    manager = login_as("manager")
    case = hear_finished(fail(accepted_order()))
    cause = quality.add_cause("Traffic", manager)
    queue = client.get("/manager/quality").get_data(as_text=True)
    assert f"/manager/quality/cases/{case.id}" in queue and "failed" in queue
    page = client.get(f"/manager/quality/cases/{case.id}").get_data(as_text=True)
    assert "Timeline" in page and "Earlier cases" in page and "Why this worker" in page
    # The failed order is on the worker's record, which the case page shows.
    assert "0 completed, 1 failed, 0 cancelled, 0 problems reported" in page and "No ratings yet." in page
    assert client.post(f"/manager/quality/cases/{case.id}/assign", data={"assignee": manager.id}).status_code == 303
    incomplete = client.post(f"/manager/quality/cases/{case.id}/close", data={"findings": ""})
    assert "Write down what you found." in incomplete.get_data(as_text=True)
    done = client.post(f"/manager/quality/cases/{case.id}/close", data={
        "client_contacted": "yes", "findings": "Stuck in traffic", "cause": cause.id,
        "hypothesis": "Plan routes", "worker_at_fault": "no"})
    assert done.status_code == 303
    db.session.expire_all()
    assert quality.get_case(case.id).state == "closed"
    assert len([e for e in db.session.scalars(select(Email)) if e.template.startswith("qc_result")]) == 2
    report = client.get("/manager/quality/report").get_data(as_text=True)
    assert "Traffic" in report and "Plan routes" in report and "<svg" in report
    assert ">Week, by its Monday<" in report and ">Cases<" in report  # the axes say what they count


def test_check_a_random_order_and_set_the_sampling_rate(client, login_as, db):
    login_as("manager")
    order = completed_order()
    response = client.post("/manager/quality/random")
    assert response.status_code == 303 and "/manager/quality/cases/" in response.headers["Location"]
    assert client.post("/manager/quality/sampling", data={"percent": "15"}).status_code == 303
    assert quality.sampling_percent() == 15
    assert db.session.scalar(select(quality.Case.reason).where(quality.Case.order_id == order.id)) == "random"


def test_managers_maintain_the_causes(client, login_as, db):
    login_as("manager")
    client.post("/manager/quality/causes", data={"name": "Wrong kit"})
    page = client.get("/manager/quality/causes").get_data(as_text=True)
    assert "Wrong kit" in page
    duplicate = client.post("/manager/quality/causes", data={"name": "wrong kit"}).get_data(as_text=True)
    assert "That cause is on the list already." in duplicate
