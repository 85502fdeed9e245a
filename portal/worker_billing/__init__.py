"""Worker billing: earnings, fines, bonuses and monthly payouts through the golden hat.

Other packages use only what is named here. Money moves only through ``portal.ledger``.
"""

from portal.worker_billing.checks import problems
from portal.worker_billing.months import PAYOUT_MONTHS, month_cutoff, payout_month
from portal.worker_billing.models import LINE_KINDS, PAYOUT_STATES, Line, Payout, PayoutAttempt
from portal.worker_billing.queries import Statement, recent_lines, statement
from portal.worker_billing.reports import MonthPayouts, bonuses, payouts_by_month
from portal.worker_billing.operations import (
    EARNING_PERCENT, FINE, MAX_BONUS, create_payouts, credit_worker, give_bonus, line_key, payout_key, month_payouts, oldest_unpaid_line_at,
    pay_new_payout, pay_payout, provider, record_order, record_payout_outcome, retries_due, statement_line,
    statement_payout,
)

__all__ = [
    "problems", "PAYOUT_MONTHS", "month_cutoff", "payout_month",
    "EARNING_PERCENT", "FINE", "LINE_KINDS", "MAX_BONUS", "PAYOUT_STATES", "Line", "Payout", "PayoutAttempt",
    "create_payouts", "credit_worker", "give_bonus", "line_key", "payout_key", "statement_line", "statement_payout", "pay_payout", "provider", "record_order", "record_payout_outcome",
    "retries_due", "Statement", "recent_lines", "statement", "month_payouts", "oldest_unpaid_line_at", "pay_new_payout",
    "MonthPayouts", "bonuses", "payouts_by_month",
]
