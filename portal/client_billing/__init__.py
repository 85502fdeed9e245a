"""Client billing: charges per finished order, weekly invoices, payments, the loyalty discount.

Other packages use only what is named here. Money moves only through ``portal.ledger``.
"""

from portal.client_billing.charges import (
    charge_key, charge_order, credit_client, issue_weekly_invoices, line_key, oldest_uninvoiced_week,
    statement_charge, upcoming, week_invoices,
)
from portal.client_billing.weeks import BILLING_WEEKS, billing_week, week_cutoff
from portal.client_billing.loyalty import FIRST_TIER, loyalty_discount_percent, next_tier, paid_total
from portal.client_billing.checks import problems
from portal.client_billing.models import INVOICE_STATES, Charge, Invoice, PaymentAttempt, PaymentCard
from portal.client_billing.queries import InvoiceLines, Statement, invoice_lines, invoices_of, order_charge, statement
from portal.client_billing.reports import WeekRevenue, revenue_by_week, unpaid_invoice_ids, unpaid_invoices
from portal.client_billing.payments import (
    MAX_TRIES, TEST_CARDS, UnpaidInvoice, card_of, charge_new_invoice, charge_new_invoices, failure_label, may_book, pay_invoice,
    provider, record_outcome, remove_card, require_may_book, retries_due, save_card, unsettled_invoices,
    week_progress, week_settled,
)

__all__ = [
    "problems", "FIRST_TIER",
    "INVOICE_STATES", "MAX_TRIES", "TEST_CARDS", "UnpaidInvoice", "Charge", "Invoice", "PaymentAttempt", "PaymentCard",
    "BILLING_WEEKS", "billing_week", "week_cutoff", "card_of", "charge_key", "charge_order", "failure_label", "issue_weekly_invoices",
    "loyalty_discount_percent", "may_book", "next_tier", "order_charge", "paid_total", "pay_invoice", "provider",
    "record_outcome", "remove_card", "require_may_book", "retries_due", "save_card", "InvoiceLines", "Statement",
    "invoice_lines", "invoices_of", "statement", "upcoming",
    "WeekRevenue", "revenue_by_week", "unpaid_invoice_ids", "unpaid_invoices",
    "charge_new_invoice", "charge_new_invoices", "credit_client", "line_key", "statement_charge",
    "oldest_uninvoiced_week", "week_invoices",
    "unsettled_invoices", "week_progress", "week_settled",
]
