"""What an order costs. One replaceable function: the real formula is not known yet (SPEC §6)."""

from __future__ import annotations

from dataclasses import dataclass

from portal import client_billing
from portal.money import Money
from portal.orders.models import ServiceType


def order_price(service_type: ServiceType) -> Money:
    """The list price of an order: the service type's base price (100 CU unless a manager set another)."""
    return Money(service_type.base_price_cents)


@dataclass(frozen=True)
class Estimate:
    """What the client is shown while booking: list price, their discount, what they will pay."""

    price: Money
    discount_percent: int
    discount: Money

    @property
    def to_pay(self) -> Money:
        return self.price - self.discount


def estimate(service_type: ServiceType, client_id: int) -> Estimate:
    """The price less the client's current loyalty discount (billing charges the same, BI-1)."""
    price = order_price(service_type)
    percent = client_billing.loyalty_discount_percent(client_billing.paid_total(client_id))
    return Estimate(price, percent, price.percent(percent))
