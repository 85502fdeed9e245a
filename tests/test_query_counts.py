"""A page's work does not grow with the data behind it: no query per row (N+1), and no
statement that reads a growing table whole.

Each page is loaded with 10 rows of everything it may list, then with 1 000, and must run
the same number of SQL statements both times; on PostgreSQL, no statement of the second load
may need a sequential scan of a growing table (``tests/plans.py``: each is explained with
sequential scans priced out, so one left means no index serves it). A context whose rows a
page lists adds a filler to FILLERS (bulk inserts: fast even for 1 000 rows); a new page is
one line in PAGES.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import insert

from portal import clock
from portal.db import db
from portal.notifications import Email
from portal.orders import STATES, Order, ServiceType
from portal.people import ROLES, User
from portal.runs import JobRun
from portal.warehouse import COOKIE_STATES, WORKING_STATES, CookieRequest, Kit
from tests import factories
from tests.conftest import ON_POSTGRES
from tests.plans import full_scans

_seq = itertools.count(1)


def _people(n: int, viewer: User) -> None:
    now = clock.now()
    db.session.execute(insert(User), [
        dict(email=f"bulk{next(_seq)}@example.test", password_hash=None, role=ROLES[i % len(ROLES)],
             name=f"Bulk Cat {i}", address="", language="en", active=True,
             created_at=now - timedelta(minutes=i))
        for i in range(n)
    ])


def _emails(n: int, viewer: User) -> None:
    now = clock.now()
    db.session.execute(insert(Email), [
        dict(to=f"bulk{next(_seq)}@example.test", language="en", template="welcome", subject="Welcome",
             text_body="Hello", html_body="<p>Hello</p>", state=("kept", "failed", "queued")[i % 3],
             attempts=1, created_at=now - timedelta(minutes=i), next_attempt_at=None)
        for i in range(n)
    ])


def _runs(n: int, viewer: User) -> None:
    now = clock.now()
    db.session.execute(insert(JobRun), [
        dict(kind="bulk", period_key=f"bulk-{next(_seq)}", state="done", total=3, done=3,
             created_at=now - timedelta(minutes=i), finished_at=now)
        for i in range(n)
    ])


def _orders(n: int, viewer: User) -> None:
    """Orders of the viewing client or worker (anyone's for a manager), in every state, past and future."""
    if viewer.role not in ("client", "worker", "manager"):
        return
    now = clock.now()
    service_id = db.session.execute(insert(ServiceType).returning(ServiceType.id), [dict(
        code=f"bulk{next(_seq)}", name_en="Bulk chore", name_ru="Работа", base_price_cents=10_000,
        active=True, created_at=now)]).scalar_one()
    if viewer.role == "manager":
        client_id, worker_id = factories.user("client").id, factories.user("worker").id
    else:
        other = factories.user("worker" if viewer.role == "client" else "client")
        client_id, worker_id = (viewer.id, other.id) if viewer.role == "client" else (other.id, viewer.id)
    rows = []
    for i in range(n):
        state = STATES[i % len(STATES)]
        starts = now + timedelta(hours=i - n // 2)
        rows.append(dict(
            client_id=client_id, worker_id=None if state == "awaiting_worker" else worker_id,
            service_type_id=service_id, description="Bulk chore", address="1 Bulk Street",
            starts_at=starts, ends_at=starts + timedelta(hours=1), state=state, price_cents=10_000,
            created_at=now - timedelta(days=1), version=1,
        ))
    db.session.execute(insert(Order), rows)


def _kits(n: int, viewer: User) -> None:
    """Kits to work on, with their cookies in every state, for the warehouse board (and the
    managers' count of kits not ready for orders starting soon)."""
    if viewer.role not in ("warehouse", "manager"):
        return
    from sqlalchemy import func

    now = clock.now()
    first = (db.session.scalar(func.max(Kit.order_id)) or 0) + 1  # within 32-bit integers on PostgreSQL
    kit_ids = db.session.execute(insert(Kit).returning(Kit.id), [dict(
        order_id=first + i, client_id=viewer.id, client_name=f"Bulk Client {i}", worker_id=viewer.id,
        worker_name=f"Bulk Worker {i}", service_type="bulk", address="1 Bulk Street",
        starts_at=now + timedelta(minutes=i), state=WORKING_STATES[i % len(WORKING_STATES)],
        opened_at=now, issued_by_name="", version=1) for i in range(n)]).scalars().all()
    db.session.execute(insert(CookieRequest), [dict(
        kit_id=kit_id, idempotency_key=f"kit-{kit_id}", state=COOKIE_STATES[i % len(COOKIE_STATES)],
        attempts=1, last_error="", requested_at=now, expected_at=now + timedelta(minutes=10))
        for i, kit_id in enumerate(kit_ids)])


def _bulk_orders(n: int, state: str) -> list[int]:
    """``n`` orders of a new client and service type, in ``state``, starting over the next hours."""
    now = clock.now()
    service_id = db.session.execute(insert(ServiceType).returning(ServiceType.id), [dict(
        code=f"bulk{next(_seq)}", name_en="Bulk chore", name_ru="Работа", base_price_cents=10_000,
        active=True, created_at=now)]).scalar_one()
    client_id = factories.user("client").id
    return list(db.session.scalars(insert(Order).returning(Order.id), [dict(
        client_id=client_id, service_type_id=service_id, description="Bulk chore", address="1 Bulk Street",
        starts_at=now + timedelta(hours=i + 1), ends_at=now + timedelta(hours=i + 2), state=state,
        price_cents=10_000, created_at=now, version=1) for i in range(n)]))


def _bets_and_cases(n: int, viewer: User) -> None:
    """Settled books with a bet each, and open quality cases, for the managers' pages."""
    if viewer.role != "manager":
        return
    from sqlalchemy import func

    from portal.bets import Bet, BetBook
    from portal.quality import Case

    now = clock.now()
    # Orders taking bets (accepted, not checked in), each with the viewer's bet, for the
    # overview's "open for betting" and "your open bets".
    order_ids = _bulk_orders(n, "assigned")
    db.session.execute(insert(BetBook), [dict(order_id=i, state="open", opened_at=now) for i in order_ids])
    db.session.execute(insert(Bet), [
        dict(order_id=i, manager_id=viewer.id, outcome="failed", stake_cents=100, placed_at=now) for i in order_ids])
    # Settled books of made-up orders, far past every real one.
    first = max(db.session.scalar(func.max(BetBook.order_id)) or 0, 10_000_000) + 1
    db.session.execute(insert(BetBook), [
        dict(order_id=first + i, state="settled", opened_at=now, settled_at=now, outcome="completed",
             pool_cents=100, house_cents=0) for i in range(n)])
    db.session.execute(insert(Bet), [
        dict(order_id=first + i, manager_id=viewer.id, outcome="completed", stake_cents=100,
             placed_at=now, payout_cents=100) for i in range(n)])
    db.session.execute(insert(Case), [
        dict(order_id=first + i, reason="failed", state="open", client_id=viewer.id, worker_id=None,
             service_type="chore", complaint="", opened_at=now - timedelta(minutes=i), findings="",
             hypothesis="") for i in range(n)])


def _billing(n: int, viewer: User) -> None:
    """Invoices of the last 13 weeks (some unpaid) with a charge each, payouts of the last
    3 months and bonuses; rows past those periods belong to made-up client and worker ids."""
    if viewer.role != "manager":
        return
    from portal.client_billing import Charge, Invoice
    from portal.worker_billing import Line, Payout

    now, base = clock.now(), next(_seq) * 2_000  # ids stay within 32-bit integers
    client, worker = factories.user("client"), factories.user("worker")

    def week(i):
        year, number, _ = (now - timedelta(weeks=i % 13)).isocalendar()
        return f"{year}-W{number:02d}"

    def month(i):
        return f"{(now - timedelta(days=31 * (i % 3))):%Y-%m}"

    ids = db.session.scalars(insert(Invoice).returning(Invoice.id), [
        dict(client_id=client.id if i < 13 else -(base + i), week_key=week(i), amount_cents=900,
             charge_count=1, state=("paid", "unpaid", "open")[i % 3], tries=1, last_failure="declined",
             issued_at=now, batch="bulk") for i in range(n)]).all()
    db.session.execute(insert(Charge), [
        dict(order_id=base + i, client_id=client.id, outcome="completed", price_cents=1000, discount_percent=10,
             discount_cents=100, amount_cents=900, charged_at=now, invoice_id=invoice_id)
        for i, invoice_id in enumerate(ids)])
    db.session.execute(insert(Payout), [
        dict(worker_id=worker.id if i < 3 else -(base + i), month_key=month(i), amount_cents=100,
             state="paid", created_at=now, batch="bulk") for i in range(n)])
    db.session.execute(insert(Line), [
        dict(worker_id=worker.id, kind="bonus", amount_cents=100, reason="Good cat", given_by_id=viewer.id,
             given_by_name=viewer.name, booked_at=now - timedelta(minutes=i)) for i in range(n)])


def _operations(n: int, viewer: User) -> None:
    """Unconfirmed events (some handled by one consumer), process heartbeats and logged repairs,
    for the managers' operations page."""
    if viewer.role != "manager":
        return
    import uuid

    from portal.events import HandledEvent, OutboxEvent
    from portal.operations import OperatorAction, ProcessBeat

    now, batch = clock.now(), next(_seq)
    ids = [str(uuid.uuid4()) for _ in range(n)]
    db.session.execute(insert(OutboxEvent), [
        dict(id=event_id, name=f"bulk.happened{i % 7}", payload={}, created_at=now - timedelta(seconds=i), sends=1)
        for i, event_id in enumerate(ids)])
    db.session.execute(insert(HandledEvent), [
        dict(event_id=event_id, handler="bulk.consumer", handled_at=now) for event_id in ids[::2]])
    db.session.execute(insert(ProcessBeat), [
        dict(kind=("worker", "scheduler")[i % 2], identity=f"bulk-{batch}:{i}", started_at=now,
             beat_at=now - timedelta(seconds=i)) for i in range(n)])
    db.session.execute(insert(OperatorAction), [
        dict(action="retry_emails", params={}, count=i, actor_id=viewer.id, actor_name=viewer.name,
             at=now - timedelta(seconds=i)) for i in range(n)])


def _applications(n: int, viewer: User) -> None:
    """Applications at every stage, for the managers' hiring pipeline."""
    if viewer.role != "manager":
        return
    from portal.applicants import STAGES, Application

    now = clock.now()
    service_id = db.session.execute(insert(ServiceType).returning(ServiceType.id), [dict(
        code=f"bulk{next(_seq)}", name_en="Bulk chore", name_ru="Работа", base_price_cents=10_000,
        active=True, created_at=now)]).scalar_one()
    db.session.execute(insert(Application), [
        dict(email=f"bulk{next(_seq)}@example.test", name=f"Bulk Cat {i}", age=3, breed="Tabby", fur_colour="grey",
             service_type_id=service_id, stage=STAGES[i % len(STAGES)], status_token_hash=f"bulk-{next(_seq)}",
             strengths=[], weaknesses=[], created_at=now - timedelta(minutes=i), stage_changed_at=now)
        for i in range(n)])


FILLERS = [_people, _emails, _runs, _orders, _kits, _bets_and_cases, _billing, _operations, _applications]


def fill(n: int, viewer: User) -> None:
    for filler in FILLERS:
        filler(n, viewer)
    db.session.commit()


PAGES = [
    ("client", "/client/"),
    ("client", "/client/billing"),
    ("worker", "/worker/"),
    ("worker", "/worker/earnings"),
    ("warehouse", "/warehouse/"),
    ("manager", "/manager/"),
    ("manager", "/manager/orders"),
    ("manager", "/manager/orders?state=awaiting_worker"),
    ("manager", "/manager/orders?page=3"),
    ("manager", "/warehouse/?state=due_soon"),
    ("manager", "/manager/people"),
    ("manager", "/manager/people?role=worker"),
    ("manager", "/manager/applicants"),
    ("manager", "/manager/emails?state=failed"),
    ("manager", "/manager/quality?state=closed"),
    ("manager", "/manager/emails"),
    ("manager", "/manager/runs"),
    ("manager", "/manager/operations"),
    ("manager", "/manager/billing"),
    ("manager", "/manager/bets"),
    ("manager", "/manager/quality"),
]


# Reads of a whole table that a page still makes, and why they are left (each is a debt).
WHOLE_READS_LEFT = {
    # The leaderboard and the house bank are totals over every settled bet and book, and the
    # books open for betting are all read to sort them by their orders' start (another
    # context's table): counters kept at settlement and a start time on the book would end them.
    "/manager/bets": frozenset({"bets", "bet_books", "orders"}),
}


@pytest.mark.parametrize(("role", "page"), PAGES)
def test_a_page_runs_as_many_statements_with_1000_rows_as_with_10(client, login_as, count_queries, role, page):
    viewer = login_as(role)
    fill(10, viewer)
    with count_queries() as few:
        assert client.get(page).status_code == 200
    fill(990, viewer)
    with count_queries() as many:
        assert client.get(page).status_code == 200
    assert many.count == few.count, (
        f"{page}: {few.count} statements with 10 rows, {many.count} with 1 000:\n" + "\n".join(many.statements))
    if ON_POSTGRES:
        scans = full_scans(many.calls, WHOLE_READS_LEFT.get(page, frozenset()))
        assert not scans, f"{page} reads growing tables whole:\n\n" + "\n\n".join(scans)


def test_an_invoice_page_runs_as_many_statements_with_1000_lines_as_with_10(client, login_as, count_queries, db):
    """The client's invoice and the managers' view of it, and the client's billing page."""
    from portal.client_billing import Charge, Invoice

    me = login_as("client")
    week = "2026-W48"
    invoice_id = db.session.execute(insert(Invoice).returning(Invoice.id), [dict(
        client_id=me.id, week_key=week, amount_cents=0, charge_count=0, state="paid", tries=1,
        issued_at=clock.now(), paid_at=clock.now(), batch="bulk")]).scalar_one()

    def lines(n: int) -> None:
        db.session.execute(insert(Charge), [dict(
            order_id=order_id, client_id=me.id, outcome="completed", price_cents=10_000, discount_percent=5,
            discount_cents=500, amount_cents=9_500, charged_at=clock.now(), week_key=week)
            for order_id in _bulk_orders(n, "completed")])
        db.session.commit()

    manager = factories.user("manager")
    pages = {me: [f"/client/billing/invoices/{invoice_id}", "/client/billing"],
             manager: [f"/manager/billing/invoices/{invoice_id}"]}

    def counts() -> dict[str, int]:
        found = {}
        for viewer, urls in pages.items():
            client.post("/logout")
            client.post("/login", data={"email": viewer.email, "password": factories.PASSWORD})
            for url in urls:
                with count_queries() as n:
                    response = client.get(url)
                assert response.status_code == 200, url
                found[url] = n.count
        return found

    lines(10)
    few = counts()
    lines(990)
    assert counts() == few
    assert client.get(pages[manager][0]).get_data(as_text=True).count("Bulk chore") == 1_000
