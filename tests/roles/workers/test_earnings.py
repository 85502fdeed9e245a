"""The worker's earnings page: each line with its order or reason, and the month-end preview."""

from __future__ import annotations

from portal import worker_billing
from portal.money import Money
from tests import factories
from tests.portal.ledger.billing import finish


def test_the_worker_sees_earnings_fines_bonuses_and_the_payout_preview(client, login_as, db):
    me = login_as("worker")
    finish(factories.user("client").id, me.id, "completed", 10_000)
    finish(factories.user("client").id, me.id, "failed")
    worker_billing.give_bonus(me.id, Money.cu(5), "Caught the mouse", by=factories.user("manager", name="Boss"))
    finish(factories.user("client").id, factories.user("worker").id, "completed", 99_900)  # someone else's
    db.session.commit()
    page = client.get("/worker/earnings").get_data(as_text=True).replace("\u00a0", " ")
    assert "60.00 CU" in page and "−40.00 CU" in page and "Caught the mouse" in page and "from Boss" in page
    assert "25.00 CU" in page  # 60 + 5 − 40
    assert "599.40" not in page
