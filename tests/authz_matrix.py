"""Who may open what: one line per endpoint of the portal.

tests/test_authorization.py requests every route as each kind of visitor and checks the
outcome this table promises; a route without a line here fails the suite. Adding a route?
Add its line. If its URL has a new argument, add a sample below so the page is really
rendered (otherwise a dummy id is used and the right role gets a 404, which still passes).

Access levels:

- ``PUBLIC``: anyone, signed in or not: never a 403 (it may still redirect, as ``/`` sends
  everyone where they belong and logging out ends on the login page).
- ``VISITORS``: people without an account (login, register); an account is sent home.
- ``SIGNED_IN``: any account; a visitor is sent to the login page and back.
- ``only("manager", …)``: these roles; a visitor is sent to the login page, others get 403.
- ``SECRET_LINK``: whoever holds the emailed link (password links, applicants' links);
  the URL argument ``token`` is the secret, and a wrong one is 404/410 for everybody.
"""

from __future__ import annotations

import itertools
import re
from typing import Callable, NamedTuple

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import AnyConverter

from portal import applicants, client_billing, matching, people, runs, worker_billing
from portal.db import db
from portal.money import Money
from portal.notifications import Email
from tests import factories
from tests.portal.applicants import factories as applicant_factories
from tests.portal.orders import factories as order_factories
from tests.portal.warehouse import factories as warehouse_factories

PUBLIC = "public"
VISITORS = "visitors"
SIGNED_IN = "signed-in"
SECRET_LINK = "secret-link"

ANONYMOUS = "anonymous"
WHO = (ANONYMOUS, "client", "worker", "manager", "warehouse")


def only(*roles: str) -> frozenset[str]:
    """Access for these roles alone."""
    return frozenset(roles)


ACCESS: dict[str, str | frozenset[str]] = {
    # the platform
    "static": PUBLIC,
    "index": PUBLIC,
    "apply_shortcut": PUBLIC,
    "set_language": PUBLIC,
    "health.healthz": PUBLIC,
    "health.readyz": PUBLIC,
    # the scraper's bearer token is the secret: 404 for everybody when none is configured
    # (as here), 401 without it (tests/portal/test_metrics.py)
    "metrics.scrape": SECRET_LINK,
    # signing in, one's own account
    "auth.login": VISITORS,
    "auth.register": VISITORS,
    "auth.registration_sent": PUBLIC,
    "auth.confirm_registration": SECRET_LINK,
    "auth.logout": PUBLIC,
    "auth.account": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.own_photo": SIGNED_IN,
    "auth.set_password": SECRET_LINK,
    # the applicants' public site
    "applicants.home": PUBLIC,
    "applicants.apply": PUBLIC,
    "applicants.applied": PUBLIC,
    "applicants.confirm_change": SECRET_LINK,
    "applicants.change_confirmed": PUBLIC,
    "applicants.status": SECRET_LINK,
    "applicants.test": SECRET_LINK,
    "applicants.answer": SECRET_LINK,
    # clients
    "clients.home": only("client"),
    "clients.book": only("client"),
    "clients.estimate": only("client"),
    "clients.order": only("client"),
    "clients.cancel": only("client"),
    "clients.rate": only("client"),
    "clients.report_problem": only("client"),
    "clients.rebook": only("client"),
    "clients.photo": only("client"),
    "clients.worker_photo": only("client"),
    "clients.billing": only("client"),
    "clients.billing_upcoming": only("client"),
    "clients.save_card": only("client"),
    "clients.remove_card": only("client"),
    "clients.pay_now": only("client"),
    "clients.invoice": only("client"),
    "clients.dispute_charge": only("client"),
    # workers
    "workers.home": only("worker"),
    "workers.order": only("worker"),
    "workers.check_in": only("worker"),
    "workers.finish": only("worker"),
    "workers.photo": only("worker"),
    "workers.earnings": only("worker"),
    "workers.dispute_line": only("worker"),
    "workers.dispute_payout": only("worker"),
    # warehouse (managers look at the kits too)
    "warehouse.home": only("warehouse", "manager"),
    "warehouse.start_assembling": only("warehouse", "manager"),
    "warehouse.cookie_received": only("warehouse", "manager"),
    "warehouse.ready": only("warehouse", "manager"),
    "warehouse.issued": only("warehouse", "manager"),
    # managers
    "managers.home": only("manager"),
    "managers.people_list": only("manager"),
    "managers.person": only("manager"),
    "managers.deactivate": only("manager"),
    "managers.reactivate": only("manager"),
    "managers.set_skills": only("manager"),
    "managers.new_staff": only("manager"),
    "managers.new_worker": only("manager"),
    "managers.photo": only("manager"),
    "managers.emails": only("manager"),
    "managers.email": only("manager"),
    "managers.email_html": only("manager"),
    "managers.orders_list": only("manager"),
    "managers.order": only("manager"),
    "managers.order_photo": only("manager"),
    "managers.service_types": only("manager"),
    "managers.new_service_type": only("manager"),
    "managers.edit_service_type": only("manager"),
    "managers.runs_list": only("manager"),
    "managers.run_progress": only("manager"),
    "managers.billing": only("manager"),
    "managers.billing_csv": only("manager"),
    "managers.billing_run": only("manager"),
    "managers.give_bonus": only("manager"),
    "managers.billing_check": only("manager"),
    "managers.invoice": only("manager"),
    "managers.billing_clock": only("manager"),
    "managers.resend_events": only("manager"),
    "managers.operations_page": only("manager"),
    "managers.retry_dead_message": only("manager"),
    "managers.discard_dead_message": only("manager"),
    "managers.retry_dead_queue": only("manager"),
    "managers.discard_dead_queue": only("manager"),
    "managers.retry_failed_email": only("manager"),
    "managers.discard_failed_email": only("manager"),
    "managers.retry_failed_emails": only("manager"),
    "managers.discard_failed_emails": only("manager"),
    "managers.resend_event": only("manager"),
    "managers.pipeline_editor": only("manager"),
    "managers.add_pipeline_step": only("manager"),
    "managers.remove_pipeline_step": only("manager"),
    "managers.move_pipeline_step": only("manager"),
    "managers.switch_pipeline_step": only("manager"),
    "managers.tune_pipeline_step": only("manager"),
    "managers.draft_editor": only("manager"),
    "managers.create_pipeline_draft": only("manager"),
    "managers.enable_pipeline_draft": only("manager"),
    "managers.discard_pipeline_draft": only("manager"),
    "managers.replays": only("manager"),
    "managers.start_replay": only("manager"),
    "managers.replay_report": only("manager"),
    "managers.compare_replays": only("manager"),
    # bets
    "managers.bets_overview": only("manager"),
    "managers.bet_pool": only("manager"),
    "managers.place_bet": only("manager"),
    "managers.withdraw_bet": only("manager"),
    # quality control
    "managers.quality_queue": only("manager"),
    "managers.check_random_order": only("manager"),
    "managers.set_sampling": only("manager"),
    "managers.quality_case": only("manager"),
    "managers.assign_case": only("manager"),
    "managers.close_case": only("manager"),
    "managers.decide_dispute": only("manager"),
    "managers.quality_causes": only("manager"),
    "managers.switch_cause": only("manager"),
    "managers.quality_report": only("manager"),
    "managers.applications": only("manager"),
    "managers.application": only("manager"),
    "managers.applicant_photo": only("manager"),
    "managers.add_application_note": only("manager"),
    "managers.mark_contacted": only("manager"),
    "managers.assign_test": only("manager"),
    "managers.accept": only("manager"),
    "managers.reject": only("manager"),
    "managers.test_sets": only("manager"),
    "managers.set_vacancy_default": only("manager"),
    "managers.new_test": only("manager"),
    "managers.edit_test": only("manager"),
    "managers.add_question": only("manager"),
    "managers.remove_question": only("manager"),
    "managers.new_test_set": only("manager"),
    "managers.edit_test_set": only("manager"),
}


# -- Samples for URL arguments --------------------------------------------------------------
# Keyed by argument name, or by (endpoint, argument) where one name means different things.
# Each maker runs inside the test's app context, gets the signed-in visitor (None for an
# anonymous one) and returns the value to put in the URL. What a role may only see when it
# is theirs (a client's order, a worker's job) is made theirs, so the matrix tests the role
# gate; each context's own tests check that others' objects stay out of reach.

_seq = itertools.count(1)


def _invited_worker() -> people.User:
    """A worker added by hand, with a portrait and an invitation email."""
    return people.add_worker(f"invited{next(_seq)}@example.test", "Invited Cat",
                             photo=factories.image_bytes())


def _invitation() -> Email:
    return db.session.scalar(select(Email).where(Email.to == _invited_worker().email))


def _password_link_token() -> str:
    return re.search(r"/set-password/([\w-]+)", _invitation().text_body).group(1)


def _test_link(visitor) -> str:
    """A fresh applicant's personal test link (remembered for the question in the same URL)."""
    _, token = applicant_factories.assigned()
    _links["test"] = token
    return token


def _question_of_the_test(visitor) -> int:
    _test_link(visitor)
    test_set = applicants.attempt_by_token(_links["test"]).test_set
    return applicants.questions_of(test_set)[0].id


def _registration_token() -> str:
    email = f"signing.up{next(_seq)}@example.test"
    people.request_registration(email, factories.PASSWORD, "New Cat", "1 Basket Road")
    body = db.session.scalar(select(Email).where(Email.to == email)).text_body
    return re.search(r"/register/confirm/([\w-]+)", body).group(1)


def _change_token() -> str:
    """The link emailed when an application's email applies again."""
    email = applicant_factories.application().application.email
    applicant_factories.application(email=email)
    body = db.session.scalars(select(Email).where(Email.to == email).order_by(Email.id.desc())).first().text_body
    return re.search(r"/careers/changes/([\w-]+)", body).group(1)


_links: dict[str, str] = {}


def _own_line(visitor) -> int:
    """A bonus on the visitor's statement if they are a worker (else on a new worker's)."""
    worker = visitor if visitor and visitor.role == "worker" else factories.user("worker")
    return worker_billing.give_bonus(worker.id, Money.cu(5), "Sample", by=factories.user("manager")).id


def _own_charge(visitor) -> int:
    """A charge on the visitor's statement if they are a client (else on a new client's)."""
    client = visitor if visitor and visitor.role == "client" else factories.user("client")
    return client_billing.charge_order({"order_id": 900_000 + next(_seq), "client_id": client.id,
                                        "price_cents": 1_000, "outcome": "completed"})
def _replay():
    """A replay of last week's (no) orders with a fresh draft."""
    from datetime import timedelta

    from portal import clock

    now = clock.now()
    draft = matching.create_draft(f"Authz replay {next(_seq)}")
    return matching.start_replay(draft.id, now - timedelta(days=7), now, started_by="Authz")


SAMPLES: dict[str | tuple[str, str], Callable[[people.User | None], object]] = {
    "filename": lambda visitor: "css/portal.css",
    "token": lambda visitor: _password_link_token(),
    "user_id": lambda visitor: factories.user("worker").id,
    "email_id": lambda visitor: _invitation().id,
    "photo_id": lambda visitor: people.worker_photo(_invited_worker().id).id,
    "run_id": lambda visitor: runs.claim_run("sample", f"authz-{next(_seq)}").id,
    "draft_id": lambda visitor: matching.create_draft(f"Authz draft {next(_seq)}").id,
    "replay_id": lambda visitor: _replay().id,
    # The visitor's own order: booked by them (a client), or matched to them (the only worker).
    "order_id": lambda visitor: order_factories.book(
        client=visitor if visitor and visitor.role == "client" else None).id,
    "service_type_id": lambda visitor: order_factories.service_type().id,
    ("applicants.status", "token"): lambda visitor: applicant_factories.application().status_link.rsplit("/", 1)[1],
    ("applicants.test", "token"): _test_link,
    ("auth.confirm_registration", "token"): lambda visitor: _registration_token(),
    ("applicants.confirm_change", "token"): lambda visitor: _change_token(),
    ("applicants.answer", "question_id"): _question_of_the_test,
    ("applicants.answer", "token"): lambda visitor: _links["test"],
    "application_id": lambda visitor: applicant_factories.application().application.id,
    "test_id": lambda visitor: applicant_factories.skill_test().id,
    "test_set_id": lambda visitor: applicant_factories.test_set(applicant_factories.skill_test()).id,
    ("managers.remove_question", "question_id"): lambda visitor: applicant_factories.skill_test().questions[0].id,
    "kit_id": lambda visitor: warehouse_factories.new_kit().id,
    "line_id": _own_line,
    "charge_id": _own_charge,
}

DUMMY_ID = 987_654  # an argument without a sample: no such object, the right role gets 404


def sample(rule, argument: str, visitor: people.User | None) -> object:
    """A value for ``argument`` of ``rule``: its sample, else one the URL accepts."""
    maker = SAMPLES.get((rule.endpoint, argument)) or SAMPLES.get(argument)
    if maker:
        return maker(visitor)
    converter = rule._converters[argument]
    if isinstance(converter, AnyConverter):
        return min(converter.items)
    return DUMMY_ID


def who_may_open(endpoint: str) -> str:
    """One kind of visitor the endpoint's line lets through (to test it as someone allowed)."""
    access = ACCESS.get(endpoint)
    assert access is not None, f"{endpoint} has no line in tests/authz_matrix.py ACCESS"
    if access == SIGNED_IN:
        return "client"
    if isinstance(access, frozenset):
        return sorted(access)[0]
    return ANONYMOUS


def url_of(rule, visitor: people.User | None = None, **override) -> str:
    """The rule's URL with every argument filled from SAMPLES (objects created now)."""
    values = {arg: sample(rule, arg, visitor) for arg in sorted(rule.arguments)} | override
    db.session.commit()  # the request runs in its own session and must see the samples
    return rule.build(values)[1]


def unsafe_methods(rule) -> list[str]:
    return sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})


class Visitor(NamedTuple):
    client: FlaskClient
    user: people.User | None  # None: anonymous


def browser(app, who: str) -> Visitor:
    """A test client: an anonymous visitor, or signed in as a new account of role ``who``."""
    client = app.test_client()
    if who == ANONYMOUS:
        return Visitor(client, None)
    user = factories.user(who)
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 303, f"could not sign in as {who}"
    return Visitor(client, user)
