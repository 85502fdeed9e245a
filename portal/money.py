"""Money in integer hundredths of a cat-unit (CU). Never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable, Sequence

# Grouping and the space before "CU" are no-break spaces, so an amount never wraps.
NBSP = "\u00a0"
MINUS = "\u2212"


def _exact(value: object, what: str) -> Decimal:
    """``value`` as a Decimal; floats are refused because they cannot hold 0.10 exactly."""
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        raise TypeError(f"{what} must be int, str or Decimal, not {type(value).__name__}")
    try:
        result = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


@dataclass(frozen=True, order=True, slots=True)
class Money:
    """An amount in hundredths of a CU: ``Money(12345)`` is 123.45 CU."""

    cents: int

    def __post_init__(self) -> None:
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise TypeError("Money holds integer hundredths, not %r" % type(self.cents))

    @classmethod
    def cu(cls, units: int | str | Decimal) -> Money:
        """Whole or decimal CU, e.g. ``Money.cu(100)`` or ``Money.cu("12.50")``."""
        value = _exact(units, "an amount") * 100
        if value != value.to_integral_value():
            raise ValueError("more than two decimals: %s" % units)
        return cls(int(value))

    @classmethod
    def parse(cls, text: str) -> Money:
        """What a person typed, in either language: ``1 234.50``, ``1 234,50``, ``12``, ``-3,5``.

        Spaces (also no-break ones) group thousands; a comma or a dot separates the hundredths.
        Raises ValueError for anything else, including more than two decimals.
        """
        if not isinstance(text, str):
            raise TypeError("parse reads text; use Money.cu for numbers")
        cleaned = re.sub(r"[\s\u00a0\u202f]", "", text).replace(MINUS, "-").removesuffix("CU")
        if not re.fullmatch(r"[+-]?\d+([.,]\d{1,2})?", cleaned):
            raise ValueError(f"not an amount of CU: {text!r}")
        return cls.cu(cleaned.replace(",", "."))

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.cents - other.cents)

    def __mul__(self, count: int) -> Money:
        """A price times a whole count; fractions go through ``percent`` or ``split``."""
        if not isinstance(count, int) or isinstance(count, bool):
            return NotImplemented
        return Money(self.cents * count)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.cents)

    def __abs__(self) -> Money:
        return Money(abs(self.cents))

    def __bool__(self) -> bool:
        return self.cents != 0

    def percent(self, pct: int | str | Decimal) -> Money:
        """``pct`` percent of this amount, rounded half-up to the hundredth.

        Ties round away from zero, so ``(-m).percent(p) == -(m.percent(p))``.
        """
        exact = Decimal(self.cents) * _exact(pct, "a percentage") / 100
        return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    def split(self, weights: Sequence[int]) -> list[Money]:
        """Split in proportion to ``weights`` (largest remainder): the shares add up exactly.

        Each share is within one hundredth of its exact value; a zero weight gets nothing.
        """
        if any(isinstance(w, bool) or not isinstance(w, int) for w in weights):
            raise TypeError("weights are whole numbers (e.g. stakes in hundredths)")
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("weights must be non-negative with a positive sum")
        total = sum(weights)
        # Floor division: every remainder is in [0, total), also for a negative amount.
        quotients = [divmod(self.cents * w, total) for w in weights]
        shares = [q for q, _ in quotients]
        left = self.cents - sum(shares)
        # Hand out the leftover hundredths to the largest remainders; ties go to the earlier.
        order = sorted(range(len(weights)), key=lambda i: (-quotients[i][1], i))
        for i in order[:left]:
            shares[i] += 1
        return [Money(s) for s in shares]

    def format(self, locale: str = "en") -> str:
        """``1 234.50 CU`` (en) or ``1 234,50 CU`` (ru); thousands grouped by no-break spaces."""
        sign = MINUS if self.cents < 0 else ""
        units, hundredths = divmod(abs(self.cents), 100)
        grouped = f"{units:,}".replace(",", NBSP)
        sep = "," if str(locale).startswith("ru") else "."
        return f"{sign}{grouped}{sep}{hundredths:02d}{NBSP}CU"

    def __str__(self) -> str:
        return self.format("en")


def total(amounts: Iterable[Money]) -> Money:
    return Money(sum(a.cents for a in amounts))
