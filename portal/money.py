"""Money in integer hundredths of a cat-unit (CU). Never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence


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
        value = Decimal(str(units)) * 100
        if value != value.to_integral_value():
            raise ValueError("more than two decimals: %s" % units)
        return cls(int(value))

    @classmethod
    def zero(cls) -> Money:
        return cls(0)

    def __add__(self, other: Money) -> Money:
        return Money(self.cents + other.cents)

    def __sub__(self, other: Money) -> Money:
        return Money(self.cents - other.cents)

    def __neg__(self) -> Money:
        return Money(-self.cents)

    def __bool__(self) -> bool:
        return self.cents != 0

    def percent(self, pct: int | str | Decimal) -> Money:
        """``pct`` percent of this amount, rounded half-up to the hundredth."""
        exact = Decimal(self.cents) * Decimal(str(pct)) / 100
        return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    def split(self, weights: Sequence[int]) -> list[Money]:
        """Split in proportion to ``weights`` (largest remainder): the shares add up exactly."""
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("weights must be non-negative with a positive sum")
        total = sum(weights)
        quotients = [divmod(self.cents * w, total) for w in weights]
        shares = [q for q, _ in quotients]
        left = self.cents - sum(shares)
        # Hand out the leftover hundredths to the largest remainders; ties go to the earlier.
        order = sorted(range(len(weights)), key=lambda i: (-quotients[i][1], i))
        for i in order[:left]:
            shares[i] += 1
        return [Money(s) for s in shares]

    def format(self, locale: str = "en") -> str:
        """``1 234.50 CU`` (en) or ``1 234,50 CU`` (ru); thin grouping by thousands."""
        sign = "−" if self.cents < 0 else ""
        units, hundredths = divmod(abs(self.cents), 100)
        grouped = f"{units:,}".replace(",", "\u00a0")
        sep = "," if str(locale).startswith("ru") else "."
        return f"{sign}{grouped}{sep}{hundredths:02d}\u00a0CU"

    def __str__(self) -> str:
        return self.format("en")


def total(amounts: Iterable[Money]) -> Money:
    return Money(sum(a.cents for a in amounts))
