"""Client billing: the loyalty discount now; charges, weekly invoices and payments later."""

from portal.client_billing.loyalty import loyalty_discount_percent, paid_total

__all__ = ["loyalty_discount_percent", "paid_total"]
