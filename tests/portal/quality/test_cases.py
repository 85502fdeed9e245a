"""Quality cases: opened once for bad ends and complaints, random checks, sampling, the result."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal import orders, quality
from portal.db import db
from portal.errors import Conflict, DomainError
from portal.notifications import Email
from tests import factories
from tests.portal.bets.factories import accepted_order, cancel, fail
from tests.portal.quality.factories import completed_order, event_payloads, hear_finished

pytestmark = pytest.mark.usefixtures("kits_handed_out")


def cases(order_id: int) -> list[tuple[str, str]]:
    return [(c.reason, c.state) for c in db.session.scalars(
        select(quality.Case).where(quality.Case.order_id == order_id))]


@pytest.mark.parametrize("end", [cancel, fail])
def test_a_cancelled_or_failed_order_opens_one_case_however_often_the_news_comes(db, end):
    order = end(accepted_order())
    for _ in range(3):
        hear_finished(order)
    assert cases(order.id) == [(order.state, "open")]


def test_a_complaint_opens_one_case_with_the_clients_words(db):
    client = factories.user("client")
    order = completed_order(client)
    orders.report_problem(order.id, client, "The plants drowned")
    payload = event_payloads("problem.reported", order.id)[0]
    quality.record_problem(payload)
    quality.record_problem(payload)
    case = db.session.scalar(select(quality.Case).where(quality.Case.order_id == order.id))
    assert cases(order.id) == [("problem", "open")] and case.complaint == "The plants drowned"


def test_a_completed_order_opens_no_case_on_its_own(db):
    order = completed_order()
    assert cases(order.id) == []


def test_a_random_check_never_picks_an_order_that_already_has_a_case(db):
    manager = factories.user("manager")
    done = [completed_order() for _ in range(4)]
    client = db.session.get(factories.User, done[0].client_id)
    orders.report_problem(done[0].id, client, "Late")
    quality.record_problem(event_payloads("problem.reported", done[0].id)[0])
    picked = {quality.check_random_order(manager).order_id for _ in range(3)}
    assert picked == {o.id for o in done[1:]}
    with pytest.raises(Conflict):
        quality.check_random_order(manager)
    assert all(len(cases(o.id)) == 1 for o in done)


def test_the_sampler_checks_about_the_configured_share_of_completed_orders(db, app):
    """Statistically, with a fixed seed: 400 orders at 25 % give 100 ± 3 standard deviations."""
    app.config["QC_SAMPLING_SEED"] = 7
    try:
        manager = factories.user("manager")
        quality.set_sampling_percent(25, manager)
        now = factories.clock.now()
        db.session.add_all([quality.FinishedOrder(
            order_id=10_000 + i, outcome="completed" if i < 400 else "failed", client_id=manager.id,
            worker_id=None, service_type="chore", finished_at=now) for i in range(420)])
        db.session.commit()
        opened = quality.sample_completed_orders(batch=1000)
        assert 100 - 26 <= opened <= 100 + 26
        assert quality.sample_completed_orders(batch=1000) == 0  # each order is drawn once
        sampled = db.session.scalar(select(func.count()).select_from(quality.Case)
                                    .where(quality.Case.reason == "sampled"))
        assert sampled == opened
    finally:
        app.config.pop("QC_SAMPLING_SEED")


def test_the_sampling_rate_is_a_percentage(db):
    with pytest.raises(DomainError):
        quality.set_sampling_percent(101, factories.user("manager"))
    assert quality.sampling_percent() == 0


def test_closing_a_case_emails_the_result_to_the_client_and_the_worker_in_their_languages(db):
    manager = factories.user("manager")
    client = factories.user("client", language="ru")
    order = fail(accepted_order(client))
    case = hear_finished(order)
    cause = quality.add_cause("Late bus", manager)
    quality.assign_case(case.id, manager.id, manager)
    quality.close_case(case.id, manager, client_contacted=True, findings="The bus was late",
                       cause_id=cause.id, hypothesis="Pay for taxis", worker_at_fault=False)
    emails = {e.to: e for e in db.session.scalars(select(Email))
              if e.template.startswith("qc_result")}
    worker = db.session.get(factories.User, order.worker_id)
    assert set(emails) == {client.email, worker.email}
    assert emails[client.email].language == "ru" and emails[worker.email].language == "en"
    assert "The bus was late" in emails[client.email].text_body
    assert "The bus was late" in emails[worker.email].text_body
    with pytest.raises(Conflict):
        quality.close_case(case.id, manager, client_contacted=True, findings="again",
                           cause_id=cause.id, hypothesis="", worker_at_fault=False)


def test_the_result_needs_findings_and_a_cause_from_the_list(db):
    manager = factories.user("manager")
    case = hear_finished(cancel(accepted_order()))
    retired = quality.add_cause("Old cause", manager)
    quality.set_cause_active(retired.id, False, manager)
    for findings, cause_id, field in (("", retired.id, "findings"), ("Found", None, "cause"),
                                      ("Found", retired.id, "cause")):
        with pytest.raises(DomainError) as refused:
            quality.close_case(case.id, manager, client_contacted=False, findings=findings,
                               cause_id=cause_id, hypothesis="", worker_at_fault=False)
        assert refused.value.field == field
    assert quality.get_case(case.id).state == "open"


def test_the_hypotheses_report_groups_by_cause_with_weekly_counts(db):
    manager = factories.user("manager")
    late, rude = quality.add_cause("Late", manager), quality.add_cause("Rude", manager)
    for cause, hypothesis in ((late, "Taxis"), (late, "Earlier reminders"), (rude, "Training")):
        case = hear_finished(cancel(accepted_order()))
        quality.close_case(case.id, manager, client_contacted=True, findings="Seen", cause_id=cause.id,
                           hypothesis=hypothesis, worker_at_fault=True)
    report = quality.hypotheses_report(weeks=4)
    assert [(r.cause.name, r.cases, r.weekly[-1]) for r in report.causes] == [("Late", 2, 2), ("Rude", 1, 1)]
    assert sorted(c.hypothesis for c in report.causes[0].hypotheses) == ["Earlier reminders", "Taxis"]
