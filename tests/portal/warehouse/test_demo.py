from sqlalchemy import select

from portal import demo, warehouse


def test_demo_kits_are_in_several_states(db):
    demo.load()
    states = set(db.session.scalars(select(warehouse.Kit.state)))
    assert {"new", "assembling", "ready", "issued", "cancelled"} <= states
    cookies = set(db.session.scalars(select(warehouse.CookieRequest.state)))
    assert {"requested", "expected", "received"} <= cookies
