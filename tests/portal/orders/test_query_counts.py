"""Every order page runs the same number of SQL queries with 10 or 1 000 orders."""

from datetime import timedelta

import pytest

from portal import clock, orders
from portal.db import db as _db
from tests import factories
from tests.portal.orders.factories import service_type


def _add_orders(n: int, client_id: int, worker_id: int, service_id: int) -> None:
    """Rows straight into the table: the pages are what is measured, not booking."""
    states = orders.STATES
    now = clock.now()
    _db.session.add_all([
        orders.Order(client_id=client_id, worker_id=None if i % 6 == 0 else worker_id,
                     service_type_id=service_id, description=f"Chore {i}", address=f"{i} Street",
                     starts_at=now + timedelta(hours=i - n // 2), ends_at=now + timedelta(hours=i - n // 2 + 1),
                     state=states[i % 6], price_cents=10_000, created_at=now)
        for i in range(n)
    ])
    _db.session.commit()


@pytest.mark.parametrize("role, url", [("client", "/client/"), ("worker", "/worker/"),
                                       ("manager", "/manager/orders")])
def test_order_pages_are_constant_in_queries(role, url, client, login_as, count_queries, db):
    me = login_as(role)
    customer = me if role == "client" else factories.user("client")
    worker = me if role == "worker" else factories.user("worker")
    service = service_type()
    counts = []
    for n in (10, 990):
        _add_orders(n, customer.id, worker.id, service.id)
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200 and b"Chore" in response.data
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
