"""A person's record: what a manager needs to decide about a worker or a client, on one page."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import insert

from portal import client_billing, clock, orders, people, quality, worker_billing
from portal.db import db
from portal.money import Money
from portal.orders import Feedback, Order
from portal.orders.records import recount
from portal.warehouse import Kit
from tests import factories
from tests.portal.ledger.billing import at, finish, lines_of

_seq = itertools.count(1)


@pytest.fixture
def manager(login_as):
    return login_as("manager", name="Marquise Whiskers")


@pytest.fixture
def chores():
    return [orders.create_service_type(code=code, name_en=en, name_ru=ru, base_price=Money.cu(100))
            for code, en, ru in (("mice", "Mouse catching", "Ловля мышей"), ("plants", "Plant guarding", "Охрана растений"),
                                 ("yarn", "Yarn sorting", "Сортировка пряжи"))]


def text_of(response) -> str:
    """The page as a reader sees it: tags gone, spaces (no-break ones too) collapsed."""
    html = re.sub(r"<script.*?</script>|<[^>]+>", " ", response.get_data(as_text=True), flags=re.S)
    return re.sub(r"\s+", " ", html.replace("\u00a0", " "))


def tile(page: str, label: str) -> str:
    """The figure on the record's tile labelled ``label``."""
    found = re.search(r"(\S+(?: ★| %| CU)?) " + re.escape(label), page)
    assert found, f"no tile {label!r} in: {page[:3000]}"
    return found.group(1)


def past_orders(client_id: int, worker_id: int | None, states: list[str], service_type_id: int) -> list[int]:
    """Orders in the given states, one a day back from yesterday, inserted as they stand."""
    now = clock.now()
    return list(db.session.scalars(insert(Order).returning(Order.id), [dict(
        client_id=client_id, worker_id=worker_id, service_type_id=service_type_id, description=f"Chore {n}",
        address="1 Test Street", starts_at=now - timedelta(days=n + 1), ends_at=now - timedelta(days=n + 1, hours=-1),
        state=state, price_cents=10_000, created_at=now - timedelta(days=30), version=1)
        for n, state in enumerate(states)]))


def feedback(order_id: int, kind: str, stars: int | None = None, comment: str = "") -> None:
    db.session.execute(insert(Feedback), [dict(order_id=order_id, kind=kind, stars=stars, comment=comment,
                                               created_at=clock.now())])


def kits_picked_up(worker_id: int, order_ids: list[int], by: str = "Wanda Warehouse") -> None:
    now = clock.now()
    db.session.execute(insert(Kit), [dict(
        order_id=order_id, client_id=0, client_name="A client", worker_id=worker_id, worker_name="A worker",
        service_type="mice", address="1 Test Street", starts_at=now - timedelta(hours=n), state="issued",
        opened_at=now - timedelta(days=1), issued_at=now - timedelta(hours=n + 1), issued_by_name=by, version=1)
        for n, order_id in enumerate(order_ids)])


# --- a worker -----------------------------------------------------------------------

def test_a_workers_record_shows_outcomes_rating_problems_kits_and_latest_orders(client, manager, chores):
    worker, cat = factories.user("worker", name="Oliver Paws"), factories.user("client", name="Tom Tabby")
    done = past_orders(cat.id, worker.id, ["completed"] * 3 + ["failed", "cancelled", "assigned"], chores[0].id)
    feedback(done[0], "rating", 5)
    feedback(done[1], "rating", 4)
    feedback(done[2], "problem", comment="Left the yarn everywhere")
    kits_picked_up(worker.id, done[:2])
    recount()
    db.session.commit()

    page = text_of(client.get(f"/manager/people/{worker.id}"))
    assert tile(page, "completed") == "3" and tile(page, "failed") == "1" and tile(page, "cancelled") == "1"
    assert tile(page, "upcoming or under way") == "1"
    assert tile(page, "rating from 2 clients") == "4.5 ★"
    assert tile(page, "problems reported") == "1" and "Left the yarn everywhere" in page
    assert tile(page, "kits picked up") == "2" and "Wanda Warehouse" in page
    assert all(f"#{order_id}" in page for order_id in done) and "Tom Tabby" in page


def test_a_workers_record_shows_this_months_earnings_fines_and_bonuses_and_gives_a_bonus(client, manager):
    clock.freeze(at(2026, 11, 10, 10))
    worker = factories.user("worker")
    finish(factories.user("client").id, worker.id, price_cents=10_000)  # earns 60.00
    finish(factories.user("client").id, worker.id, outcome="failed")    # fined 40.00
    worker_billing.give_bonus(worker.id, Money.cu(5), "Punctual", by=manager)

    page = text_of(client.get(f"/manager/people/{worker.id}"))
    assert "Earned 60.00 CU" in page and "Bonuses 5.00 CU" in page and "Fines −40.00 CU" in page
    assert "To be paid 25.00 CU" in page
    assert "fine −40.00 CU" in page and "bonus 5.00 CU Punctual Marquise Whiskers" in page

    given = client.post(f"/manager/people/{worker.id}/bonus", data={"amount": "7.50", "reason": "Caught the mouse"},
                        follow_redirects=True)
    page = text_of(given)
    assert "Bonus of 7.50 CU given." in page and "To be paid 32.50 CU" in page


def test_giving_a_bonus_asks_for_confirmation_first(client, manager):
    worker = factories.user("worker", name="Oliver Paws")
    html = client.get(f"/manager/people/{worker.id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="bonus-form".*?</form>', html, flags=re.S).group(0)
    assert "data-confirm=" in form and "cannot be taken back" in form


def test_a_manager_corrects_a_workers_skills_and_matching_reads_them(client, manager, chores):
    worker = factories.user("worker")
    saved = client.post(f"/manager/people/{worker.id}/skills",
                        data={"strengths": ["mice", "yarn"], "weaknesses": ["plants"]}, follow_redirects=True)
    assert "Skills saved" in text_of(saved)
    profile = people.worker_profile(worker.id)
    assert (profile.strengths, profile.weaknesses) == (["mice", "yarn"], ["plants"])
    html = saved.get_data(as_text=True)
    assert re.search(r'name="strengths" value="mice" checked', html)
    assert re.search(r'name="weaknesses" value="plants" checked', html)
    assert not re.search(r'name="weaknesses" value="mice" checked', html)


@pytest.mark.parametrize(("data", "message"), [
    ({"strengths": ["mice"], "weaknesses": ["mice", "plants"]}, "Either a strength or a weakness, not both: Mouse catching."),
    ({"strengths": ["dragons"]}, "is not a valid choice for this field."),
])
def test_contradictory_or_unknown_skills_get_a_message_and_change_nothing(client, manager, chores, data, message):
    worker = factories.user("worker")
    refused = client.post(f"/manager/people/{worker.id}/skills", data=data)
    assert refused.status_code == 422 and message in text_of(refused)
    profile = people.worker_profile(worker.id)
    assert (profile.strengths, profile.weaknesses) == ([], [])


def test_skills_belong_to_workers_only(client, manager, chores):
    cat = factories.user("client")
    assert client.post(f"/manager/people/{cat.id}/skills", data={"strengths": ["mice"]}).status_code == 404
    assert client.post(f"/manager/people/{cat.id}/bonus", data={"amount": "5", "reason": "Nice"}).status_code == 404


def test_a_worker_added_by_hand_gets_their_skills_at_once(client, manager, chores):
    form = client.get("/manager/workers/new").get_data(as_text=True)
    assert "Plant guarding" in form and 'name="weaknesses" value="plants"' in form
    added = client.post("/manager/workers/new", data={
        "name": "Oliver Paws", "email": "oliver@example.test", "language": "en",
        "strengths": ["mice"], "weaknesses": ["plants"]}, follow_redirects=True)
    assert added.status_code == 200
    user = db.session.scalar(db.select(people.User).where(people.User.email == "oliver@example.test"))
    profile = people.worker_profile(user.id)
    assert (profile.strengths, profile.weaknesses) == (["mice"], ["plants"])


def test_a_contradictory_new_worker_is_refused_and_nobody_is_added(client, manager, chores):
    refused = client.post("/manager/workers/new", data={
        "name": "Oliver Paws", "email": "oliver@example.test", "language": "en",
        "strengths": ["mice"], "weaknesses": ["mice"]})
    assert refused.status_code in (200, 422) and "not both" in text_of(refused)
    assert db.session.scalar(db.select(people.User).where(people.User.email == "oliver@example.test")) is None


# --- a client -----------------------------------------------------------------------

def test_a_clients_record_shows_orders_invoices_what_they_paid_their_tier_and_problems(client, manager, chores, db):
    clock.freeze(at(2026, 11, 24, 10))
    cat, worker = factories.user("client", name="Tom Tabby"), factories.user("worker", name="Oliver Paws")
    placed = past_orders(cat.id, worker.id, ["completed", "completed", "cancelled", "awaiting_worker"], chores[1].id)
    feedback(placed[0], "problem", comment="The plant was eaten")
    db.session.commit()
    finish(cat.id, worker.id, price_cents=60_000)
    client_billing.save_card(cat.id, "4242424242424242")
    (invoice_id,) = client_billing.issue_weekly_invoices("2026-W48")
    client_billing.pay_invoice(invoice_id)

    page = text_of(client.get(f"/manager/people/{cat.id}"))
    assert tile(page, "completed") == "2" and tile(page, "cancelled") == "1"
    assert tile(page, "upcoming or under way") == "1"
    assert "600.00 CU paid in all" in page
    assert f"Invoice No. {invoice_id}" in page and "The plant was eaten" in page and "Oliver Paws" in page
    percent = client_billing.loyalty_discount_percent(Money(60_000))
    assert f"{percent} % loyalty discount" in page


# --- cost ---------------------------------------------------------------------------

def test_a_record_runs_as_many_statements_with_1000_orders_as_with_10(client, manager, chores, count_queries):
    worker, cat = factories.user("worker"), factories.user("client")

    def grow(n: int) -> None:
        placed = past_orders(cat.id, worker.id, ["completed", "failed", "cancelled", "assigned"] * (n // 4),
                             chores[n % 3].id)
        for order_id in placed[::4]:
            feedback(order_id, "problem", comment="Hm")
        kits_picked_up(worker.id, placed[1::4])
        db.session.execute(insert(worker_billing.Line), [dict(
            worker_id=worker.id, kind=("fine", "bonus", "earning")[i % 3], amount_cents=100, reason="",
            booked_at=clock.now() - timedelta(minutes=i)) for i in range(n)])
        recount()
        db.session.commit()
        for _ in range(3):  # fines disputed: their list is on the record too
            finish(cat.id, worker.id, "failed")
            fine = lines_of(worker.id)[-1]
            quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "Hm", worker)

    def statements() -> dict[int, int]:
        found = {}
        for person in (worker, cat):
            with count_queries() as n:
                assert client.get(f"/manager/people/{person.id}").status_code == 200
            found[person.id] = n.count
        return found

    grow(12)
    few = statements()
    grow(1_000)
    assert statements() == few


def test_a_workers_record_lists_their_disputes_with_the_outcome(client, manager):
    worker = factories.user("worker")
    finish(factories.user("client").id, worker.id, "failed")
    (fine,) = lines_of(worker.id)
    case = quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "The client was not home.", worker)

    page = text_of(client.get(f"/manager/people/{worker.id}"))
    assert tile(page, "open disputes") == "1"
    assert "The client was not home." in page and "disputed: a manager is looking" in page
    quality.resolve_dispute(case.id, manager, correct=True, amount=Money.cu(40), note="Not home indeed")
    page = text_of(client.get(f"/manager/people/{worker.id}"))
    assert tile(page, "open disputes") == "0" and "corrected by 40.00 CU" in page


def test_the_open_disputes_tile_counts_every_open_dispute_not_only_the_listed_ones(client, manager):
    worker, cat = factories.user("worker"), factories.user("client")
    for _ in range(12):  # more than the record lists (its latest ten)
        finish(cat.id, worker.id, "failed")
        fine = lines_of(worker.id)[-1]
        quality.open_dispute(worker_billing.statement_line(worker.id, fine.id), "Not my fault", worker)

    assert tile(text_of(client.get(f"/manager/people/{worker.id}")), "open disputes") == "12"
