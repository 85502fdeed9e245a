"""Money: integer hundredths, shown the way each language writes amounts, split to the cent."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.money import Money, total

NBSP = "\u00a0"


@pytest.mark.parametrize(("cents", "en", "ru"), [
    (123450, "1 234.50 CU", "1 234,50 CU"),
    (0, "0.00 CU", "0,00 CU"),
    (5, "0.05 CU", "0,05 CU"),
    (100, "1.00 CU", "1,00 CU"),
    (123456789, "1 234 567.89 CU", "1 234 567,89 CU"),
    (-123450, "−1 234.50 CU", "−1 234,50 CU"),
    (-7, "−0.07 CU", "−0,07 CU"),
])
def test_amounts_read_as_each_language_writes_them(cents, en, ru):
    # The spec writes "1 234.50 CU"; the spaces are no-break so an amount never wraps.
    assert Money(cents).format("en") == en.replace(" ", NBSP)
    assert Money(cents).format("ru") == ru.replace(" ", NBSP)
    assert str(Money(cents)) == Money(cents).format("en")


def test_format_accepts_regional_locales():
    assert Money(150).format("ru_RU") == "1,50" + NBSP + "CU"
    assert Money(150).format("en_GB") == "1.50" + NBSP + "CU"


@pytest.mark.parametrize(("amount", "pct", "expected"), [
    ("0.10", 5, "0.01"),       # 0.005 rounds up
    ("0.10", 4, "0.00"),       # 0.004 rounds down
    ("33.33", 12, "4.00"),     # 3.9996
    ("12.50", 10, "1.25"),
    ("0.30", 5, "0.02"),       # 0.015 rounds up, not to even
    ("0.50", 5, "0.03"),       # 0.025 rounds up, not to even
    ("100.00", "12.5", "12.50"),
    ("99.99", Decimal("33.3"), "33.30"),  # 33.29667
    ("1000.00", 0, "0.00"),
    ("1000.00", 100, "1000.00"),
])
def test_percent_rounds_half_up_to_the_hundredth(amount, pct, expected):
    assert Money.cu(amount).percent(pct) == Money.cu(expected)


def test_percent_of_a_refund_mirrors_the_charge():
    assert Money.cu("-0.10").percent(5) == Money.cu("-0.01")
    assert Money.cu("-0.30").percent(5) == -Money.cu("0.30").percent(5)


@given(cents=st.integers(-10**12, 10**12), pct=st.integers(0, 10_000))
def test_percent_is_the_exact_value_rounded_half_up(cents, pct):
    exact_cents = Fraction(cents * pct, 100)
    got = Money(cents).percent(pct).cents
    assert abs(got - exact_cents) <= Fraction(1, 2)
    if abs(got - exact_cents) == Fraction(1, 2):
        assert abs(got) > abs(exact_cents)  # a tie goes away from zero
    assert Money(-cents).percent(pct) == -Money(cents).percent(pct)


@given(cents=st.integers(-10**9, 10**9), pct=st.decimals(0, 1000, places=2))
def test_fractional_percentages_round_to_the_hundredth_too(cents, pct):
    exact_cents = Fraction(cents) * Fraction(pct) / 100
    assert abs(Money(cents).percent(pct).cents - exact_cents) <= Fraction(1, 2)


def test_split_of_a_pot_adds_up_to_the_pot():
    # 100.00 CU among three equal stakes: 33.34 + 33.33 + 33.33, the earlier gets the cent.
    assert Money.cu(100).split([1, 1, 1]) == [Money(3334), Money(3333), Money(3333)]
    # Largest remainder first: 10.00 in 1:2:2 is 2.00, 4.00, 4.00 exactly.
    assert Money.cu(10).split([1, 2, 2]) == [Money(200), Money(400), Money(400)]
    # 0.05 in 3:3:4 → exact 0.015, 0.015, 0.02: the two ties share one leftover cent.
    assert Money(5).split([3, 3, 4]) == [Money(2), Money(1), Money(2)]
    assert Money.cu(7).split([0, 5]) == [Money(0), Money.cu(7)]


@given(
    cents=st.integers(-10**12, 10**12),
    weights=st.lists(st.integers(0, 10**9), min_size=1, max_size=30).filter(lambda w: sum(w) > 0),
)
def test_split_shares_sum_exactly_and_stay_within_a_hundredth(cents, weights):
    shares = Money(cents).split(weights)
    assert len(shares) == len(weights)
    assert total(shares) == Money(cents)
    whole = sum(weights)
    for share, weight in zip(shares, weights):
        exact = Fraction(cents * weight, whole)
        assert abs(share.cents - exact) < 1
        if weight == 0:
            assert share == Money(0)


@given(cents=st.integers(0, 10**9), n=st.integers(1, 50))
def test_equal_split_differs_by_at_most_one_hundredth(cents, n):
    shares = Money(cents).split([1] * n)
    assert max(shares).cents - min(shares).cents <= 1
    assert shares == sorted(shares, reverse=True)  # the leftover cents go to the first


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1]])
def test_split_refuses_weights_that_share_nothing(weights):
    with pytest.raises(ValueError):
        Money(100).split(weights)


@pytest.mark.parametrize("bad", [1.5, 0.1, True, None])
def test_floats_never_become_money(bad):
    with pytest.raises(TypeError):
        Money(bad)
    with pytest.raises(TypeError):
        Money.cu(bad)
    with pytest.raises(TypeError):
        Money(100).percent(bad)
    with pytest.raises(TypeError):
        Money(100).split([1, bad])
    with pytest.raises(TypeError):
        Money(100) * bad


def test_money_only_adds_to_money():
    with pytest.raises(TypeError):
        Money(100) + 1
    with pytest.raises(TypeError):
        Money(100) - 0.5


@pytest.mark.parametrize(("text", "cents"), [
    ("12", 1200), ("12.5", 1250), ("12,50", 1250), ("1 234.50", 123450),
    (f"1{NBSP}234,50{NBSP}CU", 123450), ("-3,05", -305), ("−3.05", -305), (" 0.01 ", 1),
])
def test_typed_amounts_are_read_in_either_language(text, cents):
    assert Money.parse(text) == Money(cents)


@pytest.mark.parametrize("text", ["", "abc", "1.234", "1,234.50", "1.2.3", "12.", "NaN", "Infinity"])
def test_unreadable_or_too_precise_amounts_are_refused(text):
    with pytest.raises(ValueError):
        Money.parse(text)


def test_cu_takes_exact_decimals_only():
    assert Money.cu("12.50") == Money.cu(Decimal("12.5")) == Money(1250)
    assert Money.cu(3) == Money(300)
    for bad in ("12.505", "NaN", "Infinity", "twelve"):
        with pytest.raises(ValueError):
            Money.cu(bad)


def test_arithmetic_and_comparison_stay_in_hundredths():
    price = Money.cu("2.50")
    assert price * 3 == 3 * price == Money(750)
    assert price + Money(1) - Money(51) == Money(200)
    assert -price == Money(-250) and abs(-price) == price
    assert Money(1) > Money(0) and not Money.zero()
    assert total([]) == Money.zero()
    assert sorted([Money(3), Money(-1), Money(2)]) == [Money(-1), Money(2), Money(3)]
