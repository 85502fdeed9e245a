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
