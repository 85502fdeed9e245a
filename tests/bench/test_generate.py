"""The scale-data generator behind the benchmarks: ``flask --app wsgi generate``."""

from sqlalchemy import func, select

from portal import matching
from portal.orders import Feedback, Order
from portal.orders import candidates
from portal.people import User


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_generate_adds_workers_clients_and_past_orders_that_matching_can_use(app, db):
    result = app.test_cli_runner().invoke(args=["generate", "--workers", "30", "--clients", "10", "--orders", "400"])
    assert result.exit_code == 0, result.output
    assert "added 30 workers, 10 clients, 400 past orders" in result.output
    assert count(db, User, User.role == "worker") == 30 and count(db, User, User.role == "client") == 10
    assert count(db, Order, Order.state.in_(("completed", "cancelled", "failed"))) == 400
    assert count(db, Feedback) > 0

    order = db.session.scalar(select(Order).limit(1))
    samples = candidates.ordinary_samples(order)
    assert len(samples) == 30 and sum(s.completed for s in samples) > 0
    reference = candidates.reference_for(order, "cleaning", set())
    assert matching.match(reference, samples).sample_id is not None


def test_orders_without_anyone_to_give_them_to_are_refused(app, db):
    result = app.test_cli_runner().invoke(args=["generate", "--orders", "5"])
    assert result.exit_code != 0
    assert "at least one active client and one active worker" in result.output
    assert count(db, Order) == 0


def test_generated_accounts_sign_in_with_the_known_password(app, db, client):
    result = app.test_cli_runner().invoke(args=["generate", "--workers", "2", "--clients", "3", "--password", "bench-pass"])
    assert result.exit_code == 0, result.output
    for user in db.session.scalars(select(User).where(User.role.in_(("worker", "client")))):
        response = client.post("/login", data={"email": user.email, "password": "bench-pass"})
        assert response.status_code in (302, 303), user.email
        client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": "not-the-password"})
    assert response.status_code not in (302, 303)


def test_generated_accounts_have_no_password_by_default(app, db, client):
    app.test_cli_runner().invoke(args=["generate", "--clients", "1"])
    email = db.session.scalar(select(User.email).where(User.role == "client"))
    response = client.post("/login", data={"email": email, "password": ""})
    assert response.status_code not in (302, 303)
    assert db.session.scalar(select(User.password_hash).where(User.email == email)) is None
