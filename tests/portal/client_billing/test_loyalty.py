import pytest
from hypothesis import given, strategies as st

from portal.client_billing import loyalty_discount_percent, paid_total
from portal.money import Money


@pytest.mark.parametrize("paid, percent", [
    ("0", 0),
    ("10000", 0),          # exactly 10 000 is not "over"
    ("10000.01", 5),
    ("20000", 5),
    ("20000.01", 6),
    ("30000", 6),
    ("30000.01", 7),
    ("50000.01", 9),
    ("80000", 11),
    ("80000.01", 12),
    ("1000000", 12),       # capped
])
def test_tiers(paid, percent):
    assert loyalty_discount_percent(Money.cu(paid)) == percent


@given(st.integers(min_value=0, max_value=10**10), st.integers(min_value=0, max_value=10**8))
def test_paying_more_never_lowers_the_discount(cents, more):
    lower = loyalty_discount_percent(Money(cents))
    higher = loyalty_discount_percent(Money(cents + more))
    assert 0 <= lower <= higher <= 12


def test_nothing_is_paid_until_billing_exists(db):
    assert paid_total(42) == Money.zero()
