from sqlalchemy import select

from portal import demo, orders


def test_demo_data_has_orders_in_every_state(db):
    demo.load()
    states = set(db.session.scalars(select(orders.Order.state)))
    assert states == set(orders.STATES)
